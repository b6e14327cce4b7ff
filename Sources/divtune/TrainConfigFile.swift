import ArgumentParser
import Foundation

/// The `--config FILE.yaml` of `divtune train`: a flat YAML mapping (`key: value` lines, `#`
/// comments, optional quotes) whose keys are the snake_case forms of the flags.
struct TrainConfigFile {
    static let keys: Set<String> = [
        "model", "data", "output", "adapter", "reference_adapter", "lora_rank", "lora_alpha", "lora_dropout", "lora_targets",
        "beta", "loss_type", "orpo_weighting", "learning_rate", "lr_scheduler", "warmup_steps", "epochs", "max_steps",
        "batch_size", "grad_accum", "max_grad_norm", "weight_decay", "max_length", "max_prompt_length", "validation_split",
        "steps_per_eval", "logging_steps", "save_every", "resume", "overwrite", "seed", "train_on_prompt", "prompt_style", "threads",
        "padding_free",
    ]

    let path: String
    var values: [String: (value: String, line: Int)] = [:]

    init(path: String) throws {
        self.path = path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("\(path): cannot read the config file")
        }
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if let hash = line.firstIndex(of: "#"), !line[..<hash].contains("\"") { line = String(line[..<hash]) }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line == "---" { continue }
            guard let colon = line.firstIndex(of: ":") else { throw ValidationError("\(path):\(i + 1): expected 'key: value'") }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" { value = String(value.dropFirst().dropLast()) }
            if value.hasPrefix("["), value.hasSuffix("]") {   // an inline list: lora_targets: [q_proj, v_proj]
                value = value.dropFirst().dropLast().split(separator: ",")
                    .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) }.joined(separator: ",")
            }
            guard Self.keys.contains(key) else {
                throw ValidationError("\(path):\(i + 1): unknown key '\(key)' (keys are the flags in snake_case, e.g. learning_rate)")
            }
            values[key] = (value, i + 1)
        }
    }

    func string(_ key: String) -> String? { values[key]?.value }

    func number<T: LosslessStringConvertible>(_ key: String, _: T.Type) throws -> T? {
        guard let (text, line) = values[key] else { return nil }
        guard let v = T(text) else { throw ValidationError("\(path):\(line): '\(key)' must be a number, got '\(text)'") }
        return v
    }

    func float(_ key: String) throws -> Float? {
        guard let (text, line) = values[key] else { return nil }
        guard let v = Double(text) else { throw ValidationError("\(path):\(line): '\(key)' must be a number, got '\(text)'") }
        return Float(v)
    }

    func bool(_ key: String) throws -> Bool? {
        guard let (text, line) = values[key] else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ValidationError("\(path):\(line): '\(key)' must be true or false, got '\(text)'")
        }
    }
}
