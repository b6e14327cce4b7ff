import Base
import ArgumentParser
import Foundation
import Models
import RewardModeling
import TensorEngine

/// `divtune reward score`: scores responses with a trained reward model.
struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward", abstract: "Use a trained reward model.", subcommands: [Score.self])

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a reward per line of {\"prompt\", \"response\"} JSON Lines (one JSON object per line).")
        @Option(help: "The base model the reward model was trained on.") var model: String
        @Option(help: "The folder written by `divtune train reward`.") var adapter: String
        @Option(help: "JSON Lines with \"prompt\" and \"response\" strings.") var input: String
        @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount

        func run() throws {
            EngineThreads.configure(threads)
            let url = URL(fileURLWithPath: input)
            let rows = try JSONLines.rows(of: url).map { row in (try row.string("prompt"), try row.string("response")) }
            let lm = try LanguageModel.load(path: model)
            let (reward, config) = try RewardModel.load(directory: URL(fileURLWithPath: adapter), model: lm.model, tokenizer: lm.tokenizer)
            for (index, (prompt, response)) in rows.enumerated() {
                let ids = RewardExample.ids(prompt: prompt, response: response, tokenizer: lm.tokenizer, maxLength: config.maxLength)
                let score = try reward.scores([ids])[0]
                let data = try JSONSerialization.data(withJSONObject: ["index": index, "reward": score], options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
