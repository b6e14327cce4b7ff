import Base
import Foundation

extension TrainingSettings {
    /// Reads the `--config FILE.yaml` of `divtune train` (docs/formats.md §3.6): a flat YAML mapping
    /// (`key: value` lines, `#` comments, optional quotes, inline lists) whose keys are the flags in
    /// snake_case. Each value remembers its line, so a bad one is reported there.
    public init(configFile path: String) throws {
        self.init()
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FileError(path: path, reason: "cannot read the config file")
        }
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if let hash = line.firstIndex(of: "#"), !line[..<hash].contains("\"") { line = String(line[..<hash]) }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line == "---" { continue }
            guard let colon = line.firstIndex(of: ":") else { throw FileError(path: path, line: i + 1, reason: "expected 'key: value'") }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" { value = String(value.dropFirst().dropLast()) }
            if value.hasPrefix("["), value.hasSuffix("]") {   // an inline list: lora_targets: [q_proj, v_proj]
                value = value.dropFirst().dropLast().split(separator: ",")
                    .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) }.joined(separator: ",")
            }
            guard Self.keys.contains(key) else {
                throw FileError(path: path, line: i + 1, reason: "unknown key '\(key)' (keys are the flags in snake_case, e.g. learning_rate)")
            }
            set(key, Value(text: value, origin: .file(path: path, line: i + 1)))
        }
    }
}
