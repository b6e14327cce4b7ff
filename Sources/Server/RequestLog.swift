import Base
import Foundation

/// The request log (`serve --log FILE`, docs/formats.md §5.5). A line that cannot be written (a full
/// disk) does not fail the request it describes, but is never dropped silently either: each failure
/// prints a line on stderr and is counted in `/health` (`log_write_failures`).
final class RequestLog: @unchecked Sendable {
    let file: JSONLinesLog
    private let lock = NSLock()
    private var failed = 0

    init(url: URL) throws { file = try JSONLinesLog(url: url) }

    /// Lines that could not be written so far.
    var failures: Int { lock.lock(); defer { lock.unlock() }; return failed }

    func append(_ fields: [String: Any]) {
        do {
            try file.append(fields)
        } catch {
            lock.lock()
            failed += 1
            let count = failed
            lock.unlock()
            FileHandle.standardError.write(Data("divtune serve: a request-log line was lost (\(count) so far): \(error)\n".utf8))
        }
    }
}
