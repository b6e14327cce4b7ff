import Base
import Foundation
import Models
import Testing
@testable import Training

/// Training data as users write it: CRLF line ends, blank lines, and the errors for broken lines.
@Suite struct TrainingDatasetTests {
    static func renderer() throws -> PromptRenderer {
        let path = try ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path
        return try PromptRenderer(model: LanguageModel.load(path: path))
    }

    static func file(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: url)
        return url
    }

    static func load(_ url: URL, _ renderer: PromptRenderer) throws -> TrainingDataset {
        try TrainingDataset.load(file: url, kind: .preference, renderer: renderer, truncation: Truncation())
    }

    @Test func crlfFilesReadLikeLFFiles() throws {
        let renderer = try Self.renderer()
        let rows = [#"{"prompt": "Tell a story.", "chosen": "Once.", "rejected": "No."}"#,
                    #"{"prompt": "Name a cat.", "chosen": "Tom", "rejected": "Dog", "weight": 0.5}"#]
        let lf = try Self.load(Self.file(Array((rows.joined(separator: "\n") + "\n").utf8)), renderer)
        let crlf = try Self.load(Self.file(Array((rows.joined(separator: "\r\n\r\n") + "\r\n").utf8)), renderer)
        #expect(crlf.examples.count == 2)
        #expect(crlf.examples.map(\.prompt) == lf.examples.map(\.prompt))
        #expect(crlf.examples.map(\.chosen) == lf.examples.map(\.chosen))
        #expect(crlf.examples.map(\.weight) == [1, 0.5])
    }

    @Test func brokenLinesAreNamed() throws {
        let renderer = try Self.renderer()
        func message(_ bytes: [UInt8]) throws -> String {
            let url = try Self.file(bytes)
            do { _ = try Self.load(url, renderer); return "no error" } catch {
                return "\(error)".replacingOccurrences(of: url.path, with: "F")
            }
        }
        let good = Array(#"{"prompt": "a", "chosen": "b", "rejected": "c"}"#.utf8) + [0x0A]
        #expect(try message(good + Array("{\"prompt\": \n".utf8)).hasPrefix("F:2: malformed JSON"))
        #expect(try message(good + Array("[1]\n".utf8)) == "F:2: expected a JSON object, found a list")
        #expect(try message(good + good + Array("{\"prompt\": \"".utf8) + [0xFF] + Array("\"}\n".utf8)) == "F:3: invalid UTF-8")
        #expect(try message(good + Array(#"{"prompt": "a", "chosen": "b", "rejected": "c", "weight": "1"}"#.utf8))
                == "F:2: field \"weight\": must be a number, found a string")
        #expect(try message(good + Array(#"{"prompt": "a", "chosen": "b", "rejected": "c", "weight": 1e39}"#.utf8))
                == "F:2: field \"weight\": must be a finite number ≥ 0")
                #expect(try message([]) == "F: no usable examples")
    }
}

/// Task-tagged SFT data (docs/formats.md §3.8): both row shapes, the tag kept on each example, and
/// the committed creative sample read whole.
@Suite struct TaskTaggedDataTests {
    static func sft(_ url: URL, _ renderer: PromptRenderer) throws -> TrainingDataset {
        try TrainingDataset.load(file: url, kind: .sft, renderer: renderer, truncation: Truncation())
    }

    @Test func bothShapesKeepTheirTaskAndTokenizeAsUntagged() throws {
        let renderer = try TrainingDatasetTests.renderer()
        let tagged = [#"{"task": "idea", "messages": [{"role": "user", "content": "Brief?"}, {"role": "assistant", "content": "An idea."}]}"#,
                      #"{"task": "headline", "prompt": "Idea: x\n", "completion": "A headline."}"#,
                      #"{"prompt": "Untagged\n", "completion": "row"}"#]
        let untagged = [#"{"messages": [{"role": "user", "content": "Brief?"}, {"role": "assistant", "content": "An idea."}]}"#,
                        #"{"prompt": "Idea: x\n", "completion": "A headline."}"#,
                        #"{"prompt": "Untagged\n", "completion": "row"}"#]
        let a = try Self.sft(TrainingDatasetTests.file(Array(tagged.joined(separator: "\n").utf8)), renderer)
        let b = try Self.sft(TrainingDatasetTests.file(Array(untagged.joined(separator: "\n").utf8)), renderer)
        #expect(a.examples.map(\.task) == ["idea", "headline", nil])
        #expect(a.examples.map(\.prompt) == b.examples.map(\.prompt))
        #expect(a.examples.map(\.chosen) == b.examples.map(\.chosen))
        // The conversational row went through the chat template: its prompt ends with the assistant header.
        #expect(renderer.tokenizer.decode(a.examples[0].prompt, skipSpecialTokens: false).hasSuffix("<|im_start|>assistant\n"))
    }

    @Test func badTaskTagsAreNamed() throws {
        let renderer = try TrainingDatasetTests.renderer()
        func message(_ line: String) throws -> String {
            let good = #"{"task": "idea", "prompt": "a", "completion": "b"}"#
            let url = try TrainingDatasetTests.file(Array((good + "\n" + line + "\n").utf8))
            do { _ = try Self.sft(url, renderer); return "no error" } catch {
                return "\(error)".replacingOccurrences(of: url.path, with: "F")
            }
        }
        #expect(try message(#"{"task": 3, "prompt": "a", "completion": "b"}"#) == "F:2: field \"task\": must be a string, found a number")
        #expect(try message(#"{"task": "", "prompt": "a", "completion": "b"}"#)
                == "F:2: field \"task\": must be a non-empty task name without surrounding spaces, found \"\"")
        #expect(try message(#"{"task": "idea ", "prompt": "a", "completion": "b"}"#)
                == "F:2: field \"task\": must be a non-empty task name without surrounding spaces, found \"idea \"")
        #expect(try message(#"{"task": "idea", "messages": [{"role": "user", "content": "a"}]}"#)
                == "F:2: field \"messages\": needs at least one turn before a final assistant message")
    }

    @Test func theCreativeSampleReadsWithEveryTask() throws {
        let renderer = try TrainingDatasetTests.renderer()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let train = try Self.sft(root.appendingPathComponent("data/creative/train.jsonl"), renderer)
        let heldout = try Self.sft(root.appendingPathComponent("data/creative/heldout.jsonl"), renderer)
        func counts(_ d: TrainingDataset) -> [String: Int] { d.examples.reduce(into: [:]) { $0[$1.task ?? "-", default: 0] += 1 } }
        #expect(counts(train) == ["idea": 80, "insight": 32, "headline": 64, "naming": 32, "art_direction": 32])
        #expect(counts(heldout) == ["idea": 20, "insight": 8, "headline": 16, "naming": 8, "art_direction": 8])
    }
}

/// The CLI's text path (``TrainingDataset/load``) on the real SmolLM2 against TRL 1.16's own
/// DPOTrainer and ORPOTrainer on the same rows (scripts/reference/trl_text_parity.py): standard
/// rows as raw text, conversational rows through the chat template, the same token ids, and the
/// same completion log-probabilities under the model.
@Suite struct TRLTextParityTests {
    struct Case: Decodable {
        let objective, style: String
        let row: JSONValue
        let prompt_ids, chosen_ids, rejected_ids: [Int]
        let logps_chosen, logps_rejected, mean_logp_chosen, mean_logp_rejected: Double?
    }
    struct Fixture: Decodable { let cases: [Case] }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Support.fixtureURL("trl_text_parity.json")))
    }

    /// Summed and mean log-probability of `completion` after `prompt`.
    static func logProbability(_ model: LlamaModel, prompt: [Int], completion: [Int]) throws -> (sum: Double, mean: Double) {
        let ids = prompt + completion
        let targets = ids.indices.map { t in t >= prompt.count - 1 && t + 1 < ids.count ? ids[t + 1] : -1 }
        let logp = try model.tokenLogProbs([ids], targets: [targets]).scalars
        let scored = targets.indices.filter { targets[$0] >= 0 }.map { Double(logp[$0]) }
        return (scored.reduce(0, +), scored.reduce(0, +) / Double(scored.count))
    }

    @Test(arguments: ["dpo", "orpo"]) func textPathMatchesTRL(objective: String) throws {
        let path = try ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path
        let lm = try LanguageModel.load(path: path)
        let renderer = try PromptRenderer(model: lm)
        let cases = try Self.fixture().cases.filter { $0.objective == objective }
        #expect(cases.count == 4)
        for style in ["standard", "conversational"] {
            let rows = cases.filter { $0.style == style }
            let data = try rows.map { String(decoding: try JSONEncoder().encode($0.row), as: UTF8.self) }.joined(separator: "\n")
            let url = try TrainingDatasetTests.file(Array(data.utf8))
            let examples = try TrainingDataset.load(file: url, kind: .preference, renderer: renderer, truncation: Truncation(),
                                                    orpoSplit: objective == "orpo").examples
            for (example, expected) in zip(examples, rows) {
                #expect(example.prompt == expected.prompt_ids, "\(objective) \(style) prompt")
                #expect(example.chosen == expected.chosen_ids, "\(objective) \(style) chosen")
                #expect(example.rejected == expected.rejected_ids, "\(objective) \(style) rejected")
                let chosen = try Self.logProbability(lm.model, prompt: example.prompt, completion: example.chosen)
                let rejected = try Self.logProbability(lm.model, prompt: example.prompt, completion: try #require(example.rejected))
                if objective == "dpo" {
                    #expect(abs(chosen.sum - expected.logps_chosen!) < 0.05, "logps/chosen \(chosen.sum) vs TRL \(expected.logps_chosen!)")
                    #expect(abs(rejected.sum - expected.logps_rejected!) < 0.05)
                } else {
                    #expect(abs(chosen.mean - expected.mean_logp_chosen!) < 0.005, "mean logp chosen \(chosen.mean) vs TRL \(expected.mean_logp_chosen!)")
                    #expect(abs(rejected.mean - expected.mean_logp_rejected!) < 0.005)
                }
            }
        }
    }

    /// `promptStyle: .chat` keeps the papers' setting: a string prompt through the template.
    @Test func chatPromptStyleUsesTheTemplate() throws {
        let path = try ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path
        let renderer = try PromptRenderer(model: LanguageModel.load(path: path))
        let url = try TrainingDatasetTests.file(Array(#"{"prompt": "Name a cat.", "chosen": "Tom", "rejected": "Rex"}"#.utf8))
        let chat = try TrainingDataset.load(file: url, kind: .preference, renderer: renderer, truncation: Truncation(), promptStyle: .chat)
        let raw = try TrainingDataset.load(file: url, kind: .preference, renderer: renderer, truncation: Truncation())
        #expect(chat.examples[0].prompt == (try renderer.ids(messages: [.user("Name a cat.")])))
        #expect(raw.examples[0].prompt == renderer.tokenizer.encode("Name a cat.", addSpecialTokens: true))
    }
}
