import Foundation
import Models

/// What a sentence-transformers folder says around its transformer: the pooling modes
/// (`1_Pooling/config.json`), whether a `Normalize` module follows (listed in `modules.json`, or a
/// `2_Normalize` folder), the maximum sequence length
/// and lowercasing (`sentence_bert_config.json`, else the tokenizer's `model_max_length`).
///
/// Both config generations are read: sentence-transformers ≤ 5 (`pooling_mode_mean_tokens: true`,
/// `max_seq_length` in `sentence_bert_config.json`) and 6 (`pooling_mode: "mean"`, the length in
/// `tokenizer_config.json`). A folder without `modules.json` is a plain HF encoder, pooled by
/// mean as sentence-transformers does when it wraps one.
struct SentenceTransformerLayout {
    var pooling: [PoolingMode]
    var normalize: Bool
    var maxSequenceLength: Int?
    var lowercase: Bool

    /// Module types DivTune runs; any other module (Dense, …) is refused by name.
    private enum Module { case transformer, pooling, normalize }

    private static func module(_ type: String) -> Module? {
        let name = type.split(separator: ".").last.map(String.init) ?? type
        switch name {
        case "Transformer": return .transformer
        case "Pooling": return .pooling
        case "Normalize": return .normalize
        default: return nil
        }
    }

    init(directory: URL) throws {
        pooling = [.mean]
        normalize = false
        maxSequenceLength = nil
        lowercase = false

        let modulesURL = directory.appendingPathComponent("modules.json")
        var poolingPath: String?
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            guard let modules = try Self.json(modulesURL) as? [[String: Any]] else {
                throw ModelError.unreadable(file: modulesURL.path, reason: "expected an array of modules")
            }
            for (i, entry) in modules.enumerated() {
                let type = entry["type"] as? String ?? ""
                switch Self.module(type) {
                case .transformer: break
                case .pooling: poolingPath = entry["path"] as? String ?? ""
                case .normalize: normalize = true
                case nil:
                    throw ModelError.unreadable(file: modulesURL.path,
                                                reason: "module \(i) has type '\(type)'; supported: Transformer, Pooling, Normalize")
                }
            }
        }
        // Older folders mark normalization only by the (empty) module folder.
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("2_Normalize").path) { normalize = true }
        if let poolingPath {
            let url = directory.appendingPathComponent(poolingPath).appendingPathComponent("config.json")
            pooling = try Self.poolingModes(url)
        }
        let sbertURL = directory.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: sbertURL.path) {
            guard let config = try Self.json(sbertURL) as? [String: Any] else {
                throw ModelError.unreadable(file: sbertURL.path, reason: "expected a JSON object")
            }
            if let value = config["max_seq_length"], !(value is NSNull) {
                guard let n = value as? Int, n > 0 else {
                    throw ModelError.invalidConfiguration(key: "\(sbertURL.path): max_seq_length", reason: "expected a positive integer")
                }
                maxSequenceLength = n
            }
            lowercase = config["do_lower_case"] as? Bool ?? false
        }
        let tokenizerConfigURL = directory.appendingPathComponent("tokenizer_config.json")
        if maxSequenceLength == nil, FileManager.default.fileExists(atPath: tokenizerConfigURL.path),
           let config = try Self.json(tokenizerConfigURL) as? [String: Any],
           let n = config["model_max_length"] as? Int, n > 0, n < 1_000_000 {   // HF writes 1e30 for "no limit"
            maxSequenceLength = n
        }
    }

    static func poolingModes(_ url: URL) throws -> [PoolingMode] {
        guard let config = try json(url) as? [String: Any] else {
            throw ModelError.unreadable(file: url.path, reason: "expected a JSON object")
        }
        var modes: [PoolingMode] = []
        if let value = config["pooling_mode"] {
            let names = (value as? [String]) ?? (value as? String).map { [$0] } ?? []
            for name in names {
                guard let mode = PoolingMode(rawValue: name) else {
                    throw ModelError.invalidConfiguration(key: "\(url.path): pooling_mode",
                        reason: "'\(name)' is not one of \(PoolingMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                modes.append(mode)
            }
        } else {
            for (key, mode) in PoolingMode.legacyKeys where config[key] as? Bool == true { modes.append(mode) }
        }
        guard !modes.isEmpty else {
            throw ModelError.invalidConfiguration(key: "\(url.path): pooling_mode", reason: "no pooling mode is enabled")
        }
        return modes
    }

    private static func json(_ url: URL) throws -> Any {
        guard let data = try? Data(contentsOf: url) else { throw ModelError.missingFile(path: url.path, what: "file") }
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelError.unreadable(file: url.path, reason: "invalid JSON (\(error.localizedDescription))")
        }
    }
}
