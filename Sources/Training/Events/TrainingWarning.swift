/// Something a watcher of the run noticed that the user should see, at `step` (the diversity
/// collapse alarm, docs/formats.md §4.5.4): `kind` names it, `message` says it with the numbers,
/// `values` go to `metrics.jsonl` with the message (as `warning`).
public struct TrainingWarning: Sendable, Equatable {
    public var step: Int
    public var kind: String
    public var message: String
    public var values: [String: Double]

    public init(step: Int, kind: String, message: String, values: [String: Double]) {
        self.step = step
        self.kind = kind
        self.message = message
        self.values = values
    }
}
