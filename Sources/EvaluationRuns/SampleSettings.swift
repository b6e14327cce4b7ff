import Base
import Evaluation
import Foundation

/// What an evaluation run's samples were drawn with besides their prompts and seeds: the model
/// and adapters, sampling and conformative settings, system prompt, max tokens, the seed and the
/// seed scheme (docs/formats.md §4.8). A run records them in `sample_settings.json` before its
/// first sample is kept, and a rerun into the same folder whose settings differ is refused, so a
/// folder never mixes samples drawn differently. `--max-batch` and `--threads` are not recorded:
/// the samples do not depend on them.
public struct SampleSettings: Equatable, Sendable {
    /// Setting → its value as text; the names are the flags' in snake_case (`top_k`), "none" = not set.
    public var values: [String: String]

    public static let fileName = "sample_settings.json"

    public init(_ values: [String: String]) { self.values = values }

    public static func url(in folder: URL) -> URL { folder.appendingPathComponent(fileName) }

    /// The settings recorded in `folder`; nil when the run was written before settings were recorded.
    public static func load(from folder: URL) throws -> SampleSettings? {
        let url = url(in: folder)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return SampleSettings(try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url)))
        } catch let error as DecodingError {
            throw FileError(path: url.path, reason: error.readableDescription)
        } catch {
            throw FileError(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
    }

    /// Writes the settings atomically (pretty-printed, keys sorted).
    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(values) + Data("\n".utf8), to: Self.url(in: folder))
    }

    /// Settings recorded only since a later version, with the value every earlier run had: a
    /// folder written before `prompt_style` was recorded was sampled through the chat template.
    static let impliedWhenUnrecorded = ["prompt_style": "chat"]

    /// The settings whose given value differs from the recorded one, by name; a setting one side
    /// lacks counts as "none" there (or, missing from the record, as its implied value).
    public func differences(given: SampleSettings) -> [SampleSettingsConflict.Difference] {
        Set(values.keys).union(given.values.keys).sorted().compactMap { name in
            let implied = given.values[name] == nil ? nil : Self.impliedWhenUnrecorded[name]
            let (recorded, now) = (values[name] ?? implied ?? "none", given.values[name] ?? "none")
            return recorded == now ? nil : .init(setting: name, recorded: recorded, given: now)
        }
    }
}

/// A rerun into a run folder whose samples were drawn with other settings.
public struct SampleSettingsConflict: Error, CustomStringConvertible, Equatable {
    public struct Difference: Equatable, Sendable {
        public var setting: String
        public var recorded: String
        public var given: String
    }

    /// The run folder.
    public var folder: String
    public var differences: [Difference]

    /// Worded like `train --resume`'s conflicts: what was given, what the folder holds, and the ways on.
    public var description: String {
        func flag(_ d: Difference) -> String { "--\(d.setting.replacingOccurrences(of: "_", with: "-")) \(Self.shown(d.given))" }
        func recorded(_ d: Difference) -> String { "\(d.setting.replacingOccurrences(of: "_", with: "-")) \(Self.shown(d.recorded))" }
        return "\(differences.map(flag).joined(separator: ", ")) \(differences.count == 1 ? "conflicts" : "conflict")"
            + " with the samples in \(folder)/\(SampleRecord.fileName), drawn with \(differences.map(recorded).joined(separator: ", "))"
            + " (\(folder)/\(SampleSettings.fileName)); give the recorded settings to resume that run, or another --output to start a new one"
    }

    /// Values with spaces (a system prompt) are quoted.
    static func shown(_ value: String) -> String { value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value }
}
