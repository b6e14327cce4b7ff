import Foundation

/// A one-line progress bar on standard error with count, rate and ETA.
///
/// It draws only when standard error is a terminal (and `DIVTUNE_NO_PROGRESS` is unset), so logs
/// and CI output stay clean; redraws are throttled to ten per second.
public final class ProgressBar: @unchecked Sendable {
    public let label: String
    public let total: Int?
    public let unit: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let lock = NSLock()
    public private(set) var completed = 0
    private var detail = ""

    /// - Parameters:
    ///   - total: the expected count (nil draws a counter without bar or ETA).
    ///   - unit: what is counted, for the rate (`steps`, `texts`, `tok`).
    ///   - enabled: force drawing on or off; by default only on a terminal.
    public init(_ label: String, total: Int?, unit: String = "it", enabled: Bool? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled ?? (isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["DIVTUNE_NO_PROGRESS"] == nil)
    }

    /// Adds `count` to the completed work; `detail` (e.g. `loss 0.693`) is shown after the rate.
    public func advance(by count: Int = 1, detail: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        completed += count
        if let detail { self.detail = detail }
        let now = Date()
        if enabled && (now.timeIntervalSince(lastDraw) >= 0.1 || completed == total) {
            lastDraw = now
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line(now: now)).utf8))
        }
    }

    /// Ends the line (only when something was drawn).
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        if enabled {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line(now: Date()) + "\n").utf8))
        }
    }

    /// The text of the bar, e.g. `train ████████░░░░ 40/100 2.5 steps/s ETA 0:24 loss 0.69`.
    public func line(now: Date = Date()) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(completed) / elapsed
        var parts = [label]
        if let total, total > 0 {
            let width = 24
            let filled = min(width, completed * width / total)
            parts.append(String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled))
            parts.append("\(completed)/\(total)")
            parts.append(String(format: "%.2f %@/s", rate, unit))
            let remaining = rate > 0 ? Double(total - completed) / rate : .infinity
            parts.append("ETA " + Self.clock(remaining))
        } else {
            parts.append("\(completed)")
            parts.append(String(format: "%.2f %@/s", rate, unit))
        }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: " ")
    }

    /// `m:ss` or `h:mm:ss`; `--:--` when unknown.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
