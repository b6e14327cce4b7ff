import Foundation

/// Errors of the Preference target. Every case names where the problem is (file and line,
/// option) so the CLI can print it verbatim.
public enum PreferenceError: Error, CustomStringConvertible, Equatable {
    /// A JSONL line that cannot be used: malformed JSON, missing or mistyped field,
    /// non-finite score, or a prompt with fewer than two responses (`line` = its first line).
    case invalidLine(file: String, line: Int, reason: String)
    /// The input file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The output file could not be written.
    case unwritable(file: String, reason: String)
    /// An option value is out of range or inconsistent with the others.
    case invalidOption(name: String, reason: String)
    /// A deviation mode needs an embedder that was not supplied.
    case missingEmbedder(String)
    /// Embeddings that cannot weigh a prompt's responses (vectors of differing length, a space
    /// without one vector per response).
    case invalidEmbeddings(reason: String)
    /// The scores cannot be transformed (non-finite, or outside the reference variant's domain).
    case invalidScores(reason: String)

    public var description: String {
        switch self {
        case let .invalidLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .unreadable(file, reason): return "cannot read \(file): \(reason)"
        case let .unwritable(file, reason): return "cannot write \(file): \(reason)"
        case let .invalidOption(name, reason): return "invalid option \(name): \(reason)"
        case let .missingEmbedder(what): return "deviation needs a \(what) embedder, but none was given"
        case let .invalidEmbeddings(reason): return "invalid embeddings: \(reason)"
        case let .invalidScores(reason): return "invalid scores: \(reason)"
        }
    }
}
