import Foundation

/// What goes wrong with a human-evaluation study: each case names the file, the field or the
/// annotator's request it is about (docs/human-evaluation.md §6).
public enum StudyError: Error, CustomStringConvertible, Equatable {
    /// The file is not a study: not SQLite, damaged, or another program's database.
    case notAStudy(path: String, reason: String)
    /// A study written by a newer DivTune.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// Creating a study from runs that cannot make it.
    case invalidRuns(reason: String)
    /// A design, option or argument that is out of range.
    case invalidArgument(name: String, reason: String)
    /// A token that names no annotator.
    case unknownToken
    /// An answer for an item the annotator was not given.
    case notAssigned(annotator: String, item: Int)
    /// An answer that does not fit the study's questions.
    case invalidAnswer(reason: String)
    /// An annotator name already taken.
    case duplicateAnnotator(name: String)
    /// A row of an imported file that cannot be read.
    case invalidImport(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .notAStudy(path, reason): return "\(path): not a DivTune study: \(reason)"
        case let .unsupportedVersion(path, found, supported):
            return "\(path): study schema version \(found) is newer than this DivTune reads (\(supported)); upgrade DivTune"
        case let .invalidRuns(reason): return "cannot build the study: \(reason)"
        case let .invalidArgument(name, reason): return "invalid \(name): \(reason)"
        case .unknownToken: return "unknown or missing annotator token"
        case let .notAssigned(annotator, item): return "item \(item) is not assigned to annotator \(annotator)"
        case let .invalidAnswer(reason): return "invalid answer: \(reason)"
        case let .duplicateAnnotator(name): return "an annotator named \(name) already exists"
        case let .invalidImport(path, line, reason): return "\(path):\(line): \(reason)"
        }
    }
}
