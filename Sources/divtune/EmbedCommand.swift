import Base
import ArgumentParser
import Embeddings
import Foundation
import TensorEngine

/// `divtune embed`: sentence embeddings of texts from the command line or a JSONL file.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with a sentence-transformers model (e.g. all-MiniLM-L6-v2).",
        discussion: "With --json, prints {\"embeddings\": [[...], ...]} in input order; otherwise a short summary per text.")

    @Option(name: .customLong("model"), help: ArgumentHelp("Sentence-transformers folder (default: all-MiniLM-L6-v2 in the model cache).", valueName: "DIR"))
    var model: String?

    @Option(name: .customLong("text"), help: "A text to embed (repeatable).")
    var texts: [String] = []

    @Option(name: .customLong("input"), help: ArgumentHelp("JSON Lines file, one {\"text\": ...} per line.", valueName: "FILE.jsonl"))
    var input: String?

    @Option(help: "Texts per encoder batch.") var batchSize = 32
    @Option(help: "Threads for BLAS and the engine's parallel loops (default: all cores).") var threads: Int?
    @Flag(help: "Print the vectors as JSON.") var json = false

    func validate() throws {
        guard texts.isEmpty != (input == nil) else { throw ValidationError("give either --text (one or more) or --input FILE.jsonl") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        if let threads { EngineThreads.configure(threads) }
        let all = try input.map { try Self.readTexts(URL(fileURLWithPath: $0)) } ?? texts
        let embedder = try EmbedderOptions.semantic(model).sentenceEmbedder()
        let vectors = try embedder.embed(all, batchSize: batchSize)
        if json {
            let payload: [String: Any] = ["embeddings": vectors.map { $0.map(Double.init) }]
            let data = try JSONSerialization.data(withJSONObject: payload, options: [.withoutEscapingSlashes])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        print("\(embedder.identifier): \(vectors.count) text(s), dimension \(embedder.dimension), "
              + "pooling \(embedder.pooling.map(\.rawValue).joined(separator: "+"))\(embedder.normalizes ? ", normalized" : "")")
        for (text, vector) in zip(all, vectors) {
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let head = vector.prefix(4).map { String(format: "%+.4f", $0) }.joined(separator: " ")
            let label = text.count > 48 ? String(text.prefix(47)) + "…" : text
            print("  \(label.debugDescription)  ‖v‖ \(String(format: "%.4f", norm))  [\(head) …]")
        }
    }

    /// The `text` of every line of a JSON Lines file.
    static func readTexts(_ url: URL) throws -> [String] {
        try JSONLines.rows(of: url).map { try $0.string("text") }
    }
}
