import ArgumentParser
import Foundation

/// The embedded default models, as `scripts/fetch-models.sh` lays them out in the model cache
/// (`$DIVTUNE_CACHE`, else `.cache/models` under the current directory).
enum DefaultModels {
    static var cache: URL {
        if let env = ProcessInfo.processInfo.environment["DIVTUNE_CACHE"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".cache/models")
    }

    /// SmolLM2-135M-Instruct (GGUF Q4_1).
    static func smolLM2() throws -> String {
        let folder = cache.appendingPathComponent("SmolLM2-135M-Instruct-Q4_1")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard let name = files.sorted().first(where: { $0.hasSuffix(".gguf") }) else {
            throw ValidationError("no default model in \(folder.path): run `make models` (scripts/fetch-models.sh) or pass --model")
        }
        return folder.appendingPathComponent(name).path
    }

    /// all-MiniLM-L6-v2 (sentence-transformers folder).
    static func miniLM() throws -> String {
        let folder = cache.appendingPathComponent("all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw ValidationError("no default embedder in \(folder.path): run `make models` (scripts/fetch-models.sh) or pass --embedder")
        }
        return folder.path
    }
}
