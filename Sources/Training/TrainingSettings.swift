import Base
import Foundation

/// The settings a training run is given, as text keyed by their snake_case names (`learning_rate`),
/// each with where it came from: a line of the `--config` file or a flag. ``TrainingConfiguration``
/// decodes its own keys from them (`applying(_:)`), so the file and the flags share one decoding
/// and one set of defaults; the run keys (``runKeys``) are read by the command.
public struct TrainingSettings: Equatable, Sendable {
    public enum Origin: Equatable, Sendable {
        case file(path: String, line: Int)
        case flag
    }

    public struct Value: Equatable, Sendable {
        public var text: String
        public var origin: Origin
    }

    /// Keys of the run rather than of its configuration: where the data is and the output goes,
    /// whether to resume or overwrite, the thread count, where metrics are also reported and the
    /// in-training probes (`monitor_*`) and their collapse alarm, none of which changes what is trained.
    public static let runKeys: Set<String> = ["data", "output", "resume", "overwrite", "threads", "report_to",
                                              "monitor_prompts", "monitor_every", "monitor_samples", "monitor_max_tokens", "monitor_system",
                                              "reward", "reward_base_model", "diversity_floor", "stop_on_collapse"]
    /// Keys only `divtune train reward` reads (docs/formats.md §3.6): its loss and how scores become targets.
    public static let rewardKeys: Set<String> = ["loss", "targets", "score_transform"]
    /// Every key a config file may hold.
    public static var keys: Set<String> { runKeys.union(TrainingConfiguration.settingKeys).union(rewardKeys) }

    public private(set) var values: [String: Value] = [:]

    public init() {}

    /// Records a flag's value (nil: the flag was not given). `key` must be one of ``keys``.
    public mutating func setFlag(_ key: String, _ value: (some CustomStringConvertible)?) {
        precondition(Self.keys.contains(key), "unknown training setting \(key)")
        if let value { values[key] = Value(text: value.description, origin: .flag) }
    }

    mutating func set(_ key: String, _ value: Value) { values[key] = value }

    /// These settings with `overrides` taking the place of any they share (flags over the file).
    public func overridden(by overrides: TrainingSettings) -> TrainingSettings {
        var merged = self
        merged.values.merge(overrides.values) { _, new in new }
        return merged
    }

    public func string(_ key: String) -> String? { values[key]?.text }

    public func number<T: LosslessStringConvertible>(_ key: String) throws -> T? {
        try decode(key, expecting: "a number") { T($0) }
    }

    public func bool(_ key: String) throws -> Bool? {
        try decode(key, expecting: "true or false") { text in
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: return nil
            }
        }
    }

    /// One of an enumeration's raw values, `excluding` those a setting may not take.
    public func choice<E: RawRepresentable & CaseIterable & Equatable>(_ key: String, excluding: [E] = []) throws -> E?
        where E.RawValue == String {
        let allowed = E.allCases.filter { !excluding.contains($0) }.map(\.rawValue)
        let list = allowed.count > 1 ? allowed.dropLast().joined(separator: ", ") + " or " + allowed.last! : allowed.joined()
        return try decode(key, expecting: list) { text in allowed.contains(text) ? E(rawValue: text) : nil }
    }

    /// A comma-separated list (`q_proj,v_proj`; the file's inline lists arrive in this form).
    public func list(_ key: String) -> [String]? {
        string(key).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    private func decode<T>(_ key: String, expecting: String, _ parse: (String) -> T?) throws -> T? {
        guard let value = values[key] else { return nil }
        guard let decoded = parse(value.text) else { throw error(key, "must be \(expecting), got '\(value.text)'") }
        return decoded
    }

    /// Refuses the first setting (in key order) outside `allowed`, naming its file and line:
    /// `command` does not read it, and a setting that is silently ignored would mislead.
    public func requireOnly(_ allowed: Set<String>, command: String) throws {
        if let key = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw error(key, "is not a setting of \(command)")
        }
    }

    /// An error about `key` that names where it was set: the file and line, or the flag.
    public func error(_ key: String, _ reason: String) -> Error {
        switch values[key]?.origin {
        case let .file(path, line): return FileError(path: path, line: line, reason: "'\(key)' \(reason)")
        case .flag, nil: return TrainingError.invalidOption(name: key.replacingOccurrences(of: "_", with: "-"), reason: reason)
        }
    }
}
