import Base
import Foundation

/// Reads the event files of a TensorBoard log folder, and cuts them back for a resumed run
/// (docs/formats.md §4.5.1).
public enum TensorBoardEventFiles {
    /// The folder's event files in the order readers take them (by name; any name holding
    /// `tfevents`, as TensorBoard's rule); none when the folder does not exist.
    public static func urls(in logDirectory: URL) throws -> [URL] {
        guard FileManager.default.fileExists(atPath: logDirectory.path) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: logDirectory.path) } catch {
            throw FileError(path: logDirectory.path, reason: "cannot list the TensorBoard folder (\(error.localizedDescription))")
        }
        return names.filter { $0.contains("tfevents") && !$0.hasPrefix(".") }.sorted().map { logDirectory.appendingPathComponent($0) }
    }

    /// The complete events of one file (a record cut off at the end is left out); a damaged record
    /// or event is an error naming the file.
    public static func read(_ url: URL) throws -> [TensorBoardEvent] {
        try records(of: url).events.map(\.event)
    }

    /// Makes the folder hold only what a run had logged up to `step`, so a run resumed from its
    /// checkpoint at `step` logs each later step once (as `metrics.jsonl` is cut back): a file with
    /// events past `step` or a cut-off last record is rewritten atomically without them.
    public static func cut(_ logDirectory: URL, afterStep step: Int) throws {
        for url in try urls(in: logDirectory) {
            let file = try records(of: url)
            let kept = file.events.filter { $0.event.step <= step }
            guard kept.count < file.events.count || !file.complete else { continue }
            try AtomicFile.write(kept.reduce(into: Data()) { $0.append(TFRecord.frame(Array($1.payload))) }, to: url)
        }
    }

    /// Each complete record's payload and event, and whether the file ends with a complete record.
    private static func records(of url: URL) throws -> (events: [(payload: ArraySlice<UInt8>, event: TensorBoardEvent)], complete: Bool) {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: url)) } catch {
            throw FileError(path: url.path, reason: "cannot read the event file (\(error.localizedDescription))")
        }
        let (payloads, length) = try TFRecord.records(in: bytes, path: url.path)
        let events = try payloads.map { payload in
            do { return (payload, try TensorBoardEvent(decoding: payload)) } catch {
                throw FileError(path: url.path, reason: "the record at byte \(payload.startIndex - 12) is not an Event (\(error))")
            }
        }
        return (events, length == bytes.count)
    }
}
