/// The task weights of `--task-mixture idea=0.5,headline=0.2,…` (docs/methods.md §6.5): which
/// tasks of task-tagged data to train and how often a micro-batch comes from each. Weights are
/// relative (they need not sum to 1, only to a positive number). Stored in a run's configuration
/// in the flag's form, so a checkpoint records the mixture it was trained with.
public struct TaskMixture: Codable, Sendable, Equatable, CustomStringConvertible {
    public struct Entry: Sendable, Equatable {
        public var task: String
        public var weight: Double
    }

    /// In the order given.
    public var entries: [Entry]

    /// A reason the flag's text is not a mixture (the caller names the flag or config line).
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public init(entries: [Entry]) { self.entries = entries }

    /// Parses `task=weight,task=weight`.
    public init(parsing text: String) throws {
        var entries: [Entry] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, !pieces[0].isEmpty else {
                throw ParseError(reason: "'\(part)' is not task=weight (e.g. idea=0.5,headline=0.2)")
            }
            guard let weight = Double(pieces[1]), weight.isFinite, weight >= 0 else {
                throw ParseError(reason: "the weight of task '\(pieces[0])' must be a finite number ≥ 0, got '\(pieces[1])'")
            }
            guard !entries.contains(where: { $0.task == pieces[0] }) else { throw ParseError(reason: "task '\(pieces[0])' is named twice") }
            entries.append(Entry(task: pieces[0], weight: weight))
        }
        guard entries.reduce(0, { $0 + $1.weight }) > 0 else {
            throw ParseError(reason: "the weights must sum to a positive number, got '\(text)'")
        }
        self.entries = entries
    }

    public var tasks: [String] { entries.map(\.task) }

    public var description: String { entries.map { "\($0.task)=\($0.weight)" }.joined(separator: ",") }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch let error as ParseError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
