import Base
import Foundation

/// What a `divtune sweep` grid point has finished (`point.json` in its folder, written atomically
/// after every stage): the stages in order, each with the arguments it ran with. A rerun skips
/// the finished stages whose arguments are unchanged, redoes the rest, and refuses a point whose
/// finished stages ran with other arguments (docs/formats.md §4.15).
struct SweepPointState: Codable, Equatable {
    struct Stage: Codable, Equatable {
        var name: String
        var arguments: [String]
    }

    /// Axis name → value.
    var values: [String: String]
    var stages: [Stage] = []

    static let fileName = "point.json"

    /// The state recorded in `folder`, or nil when the point has not started.
    static func load(in folder: URL) throws -> SweepPointState? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(SweepPointState.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw FileError(path: url.path, reason: "not a sweep point's state (\(error.readableDescription)); delete the point's folder to redo it")
        }
    }

    func write(in folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: folder.appendingPathComponent(Self.fileName))
    }
}
