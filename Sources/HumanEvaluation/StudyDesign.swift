/// What a study asks and how it is run, stored with the study as JSON (docs/human-evaluation.md §2),
/// so other designs — other questions, a Likert scale — are data, not code.
public struct StudyDesign: Codable, Hashable, Sendable {
    /// Stories per set.
    public var setSize: Int
    /// Answers wanted per item, each from a different annotator.
    public var labelsPerItem: Int
    /// Items one annotator is given at most.
    public var itemsPerAnnotator: Int
    /// An assignment not answered within this many seconds is handed to someone else.
    public var assignmentTimeoutSeconds: Double
    public var questions: [Question]
    /// Longest optional comment accepted, in characters.
    public var maxCommentCharacters: Int
    public var presentation: Presentation
    /// Shown on the completion page (a crowd-sourcing platform's completion code or return link).
    public var completionCode: String?
    public var completionLink: String?

    public init(setSize: Int, labelsPerItem: Int, itemsPerAnnotator: Int, assignmentTimeoutSeconds: Double = 1800,
                questions: [Question], maxCommentCharacters: Int = 2000, presentation: Presentation,
                completionCode: String? = nil, completionLink: String? = nil) {
        self.setSize = setSize
        self.labelsPerItem = labelsPerItem
        self.itemsPerAnnotator = itemsPerAnnotator
        self.assignmentTimeoutSeconds = assignmentTimeoutSeconds
        self.questions = questions
        self.maxCommentCharacters = maxCommentCharacters
        self.presentation = presentation
        self.completionCode = completionCode
        self.completionLink = completionLink
    }

    /// One question with its answer options; an option's `side` says which set it favours.
    public struct Question: Codable, Hashable, Sendable {
        public var id: String
        public var text: String
        public var required: Bool
        public var options: [Option]

        public init(id: String, text: String, required: Bool = true, options: [Option]) {
            self.id = id
            self.text = text
            self.required = required
            self.options = options
        }
    }

    public struct Option: Codable, Hashable, Sendable {
        public var id: String
        public var label: String
        /// The set (as shown: `A` or `B`) this answer favours; nil for "hard to decide".
        public var side: Side?
        /// A key that selects the option on the item page.
        public var key: String?

        public init(id: String, label: String, side: Side?, key: String? = nil) {
            self.id = id
            self.label = label
            self.side = side
            self.key = key
        }
    }

    /// The two sets as the annotator sees them; which run each shows is randomised per item.
    public enum Side: String, Codable, Hashable, Sendable, CaseIterable {
        case a = "A", b = "B"
    }

    /// How stories are shown: whole (up to a length cap) or as a local model's summaries.
    public struct Presentation: Codable, Hashable, Sendable {
        /// `full` or `summary`.
        public var kind: String
        /// Stories longer than this are cut at a word boundary and marked with "…" (full only).
        public var maxCharacters: Int?
        /// The summarising model, its adapter and the prompt it was given (summary only).
        public var model: String?
        public var adapter: String?
        public var summaryPrompt: String?

        public static func full(maxCharacters: Int) -> Presentation {
            Presentation(kind: "full", maxCharacters: maxCharacters, model: nil, adapter: nil, summaryPrompt: nil)
        }

        public static func summary(model: String, adapter: String?, prompt: String) -> Presentation {
            Presentation(kind: "summary", maxCharacters: nil, model: model, adapter: adapter, summaryPrompt: prompt)
        }
    }

    /// The paper's two questions (methods.md §1.12 of the project brief; docs/human-evaluation.md §2):
    /// the most interesting, high-quality story of the eight, and the more diverse set.
    public static func paperQuestions(setSize: Int) -> [Question] {
        var stories: [Option] = []
        for side in Side.allCases {
            for i in 1...setSize {
                let key = setSize <= 4 ? String((side == .a ? 0 : setSize) + i) : nil
                stories.append(Option(id: "\(side.rawValue)-\(i)", label: "\(side.rawValue)-\(i)", side: side, key: key))
            }
        }
        stories.append(Option(id: "hard", label: "Hard to decide", side: nil, key: "0"))
        return [
            Question(id: "best_story", text: "Which story is the most interesting and of the highest quality?", options: stories),
            Question(id: "diverse_set", text: "Which set has more diverse stories?", options: [
                Option(id: "A", label: "Set A", side: .a, key: "a"),
                Option(id: "B", label: "Set B", side: .b, key: "b"),
                Option(id: "hard", label: "Hard to decide", side: nil, key: "h"),
            ]),
        ]
    }

    /// Checks the numbers and that question and option ids are unique and non-empty.
    public func validate() throws {
        func positive(_ value: Int, _ name: String) throws {
            guard value >= 1 else { throw StudyError.invalidArgument(name: name, reason: "must be ≥ 1, got \(value)") }
        }
        try positive(setSize, "set size")
        try positive(labelsPerItem, "labels per item")
        try positive(itemsPerAnnotator, "items per annotator")
        try positive(maxCommentCharacters, "maximum comment length")
        guard assignmentTimeoutSeconds > 0 else {
            throw StudyError.invalidArgument(name: "assignment timeout", reason: "must be > 0 seconds")
        }
        guard !questions.isEmpty else { throw StudyError.invalidArgument(name: "questions", reason: "a study needs at least one") }
        var questionIDs = Set<String>()
        for q in questions {
            guard !q.id.isEmpty, questionIDs.insert(q.id).inserted else {
                throw StudyError.invalidArgument(name: "question id", reason: "\"\(q.id)\" is empty or used twice")
            }
            var optionIDs = Set<String>()
            guard q.options.count >= 2 else {
                throw StudyError.invalidArgument(name: "question \(q.id)", reason: "needs at least two options")
            }
            for o in q.options where o.id.isEmpty || !optionIDs.insert(o.id).inserted {
                throw StudyError.invalidArgument(name: "question \(q.id)", reason: "option id \"\(o.id)\" is empty or used twice")
            }
        }
    }
}
