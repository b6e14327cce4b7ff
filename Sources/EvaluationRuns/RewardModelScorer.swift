import Base
import Foundation
import Models
import RewardModeling

/// Quality by a reward model trained with `divtune train reward`, loaded on its base model on
/// first use (docs/methods.md §6.3). Scores are never stored in `samples.jsonl`, so one set of
/// samples can be scored by several reward models.
public final class RewardModelScorer: SampleScorer {
    public let directory: URL
    /// The base model to load the reward model onto (default: the one its config records).
    public let baseModel: String?
    private var loaded: (model: RewardModel, language: LanguageModel, config: RewardConfig)?

    public init(directory: URL, baseModel: String? = nil) {
        self.directory = directory
        self.baseModel = baseModel
    }

    public func score(prompt: String, response: String) throws -> Double {
        let (model, language, config) = try load()
        let ids = RewardExample.ids(prompt: prompt, response: response, tokenizer: language.tokenizer, maxLength: config.maxLength)
        return try model.scores([ids])[0]
    }

    private func load() throws -> (RewardModel, LanguageModel, RewardConfig) {
        if let loaded { return loaded }
        let configURL = directory.appendingPathComponent(RewardModel.configFile)
        guard let data = FileManager.default.contents(atPath: configURL.path),
              let config = try? JSONDecoder().decode(RewardConfig.self, from: data) else {
            throw FileError(path: configURL.path, reason: "missing or invalid: --reward needs a folder written by `divtune train reward`")
        }
        let language = try LanguageModel.load(path: baseModel ?? config.baseModel)
        let (model, _) = try RewardModel.load(directory: directory, model: language.model, tokenizer: language.tokenizer)
        loaded = (model, language, config)
        return (model, language, config)
    }
}
