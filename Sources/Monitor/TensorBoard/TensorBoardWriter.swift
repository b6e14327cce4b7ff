import Base
import Foundation

/// Writes one TensorBoard event file in a log folder, as TensorBoard's own writer names and frames
/// it (docs/formats.md §4.5.1): `events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n>`, a new
/// file per writer, the version record first. Each event is one TFRecord appended with one write
/// and no buffering, so a reader — live, or after a kill — sees every event written before.
public final class TensorBoardWriter {
    public var url: URL { file.url }
    private let file: AppendOnlyFile
    private let clock: () -> Date

    /// Creates the folder if needed and a new event file in it; `clock` gives the events' wall time.
    public init(logDirectory: URL, clock: @escaping () -> Date = Date.init) throws {
        self.clock = clock
        let seconds = Int(clock().timeIntervalSince1970)
        let prefix = String(format: "events.out.tfevents.%010d.%@.%d.", seconds, ProcessInfo.processInfo.hostName,
                            Int(ProcessInfo.processInfo.processIdentifier))
        // Never reopen an older file: readers read files once, in name order.
        var counter = 0
        while FileManager.default.fileExists(atPath: logDirectory.appendingPathComponent(prefix + "\(counter)").path) { counter += 1 }
        file = try AppendOnlyFile(url: logDirectory.appendingPathComponent(prefix + "\(counter)"))
        try write(.fileVersion(TensorBoardEvent.fileVersion), step: 0)
    }

    /// One event holding `values` at `step`.
    public func write(_ values: [TensorBoardEvent.SummaryValue], step: Int) throws {
        try write(.summary(values), step: step)
    }

    /// Scalars at `step`, in tag order, as one event (stored as float32, TensorBoard's scalar type).
    public func scalars(_ values: [String: Double], step: Int) throws {
        try write(values.sorted { $0.key < $1.key }.map { .init(tag: $0.key, value: .scalar(Float($0.value))) }, step: step)
    }

    /// A text under `tag + "/text_summary"`, the tag torch's and transformers' `add_text` give it.
    public func text(_ text: String, tag: String, step: Int) throws {
        try write([.init(tag: tag + "/text_summary", value: .text(text))], step: step)
    }

    private func write(_ content: TensorBoardEvent.Content, step: Int) throws {
        let event = TensorBoardEvent(wallTime: clock().timeIntervalSince1970, step: Int64(step), content: content)
        try file.append(TFRecord.frame(event.encoded()))
    }
}
