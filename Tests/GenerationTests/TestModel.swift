import Foundation
import Models
import Testing

/// The real SmolLM2-135M-Instruct GGUF from the repository's model cache (`DIVTUNE_CACHE` overrides it).
enum TestModel {
    static var path: String {
        let cache = ProcessInfo.processInfo.environment["DIVTUNE_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".cache/models")
        return cache.appendingPathComponent("SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    /// A fresh instance (conformative tests want two); fails, naming the fetch script, when the file is missing.
    static func load() throws -> LanguageModel {
        try #require(FileManager.default.fileExists(atPath: path), "\(path) is missing: run scripts/fetch-models.sh first")
        return try LanguageModel.load(path: path)
    }

    static let shared: Result<LanguageModel, Error> = Result { try load() }
}
