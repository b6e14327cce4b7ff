import Base
import Foundation
import Models
import Testing

/// The real SmolLM2-135M-Instruct GGUF from the repository's model cache (``ModelCache``).
enum TestModel {
    /// A fresh instance (conformative tests want two); fails, naming `make models`, when the file is missing.
    static func load() throws -> LanguageModel {
        try LanguageModel.load(path: ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path)
    }

    static let shared: Result<LanguageModel, Error> = Result { try load() }
}
