import Foundation

/// Opt-in wall-clock accounting of where the engine spends its time, by op name — the
/// breakdown behind "how much of a block is GEMM". Off by default; when off, each op pays one
/// load of a nil reference.
///
/// Forward ops are timed from the previous op's end to their own end (ops report when they
/// finish), so code run between ops is charged to the next op; composite ops (`mean` = `sum` +
/// `mul_scalar`) show up as their parts. Each backward closure is charged, whole, to
/// "`<op>` backward", including the ops it calls. Measure from one thread at a time: ops run by
/// other threads meanwhile are counted too.
public enum EngineProfiler {
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var totals: [String: Double] = [:]
        var last = DispatchTime.now().uptimeNanoseconds
        var suspended = 0
    }

    nonisolated(unsafe) static var active: Recorder?

    /// Runs `body` and returns its result with the seconds spent per op name.
    public static func measure<R>(_ body: () throws -> R) rethrows -> (result: R, seconds: [String: Double]) {
        let recorder = Recorder()
        active = recorder
        defer { active = nil }
        let result = try body()
        return (result, recorder.lock.withLock { recorder.totals })
    }

    /// Called by every op as it finishes.
    @inline(__always)
    static func mark(_ name: String) {
        guard let recorder = active else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        recorder.lock.withLock {
            if recorder.suspended == 0 { recorder.totals[name, default: 0] += Double(now &- recorder.last) / 1e9 }
            recorder.last = now
        }
    }

    /// Charges all of `body` (and the ops inside it) to `name`.
    @inline(__always)
    static func section<R>(_ name: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
        guard let recorder = active else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        recorder.lock.withLock { recorder.suspended += 1 }
        defer {
            let now = DispatchTime.now().uptimeNanoseconds
            recorder.lock.withLock {
                recorder.suspended -= 1
                if recorder.suspended == 0 { recorder.totals[name(), default: 0] += Double(now &- start) / 1e9 }
                recorder.last = now
            }
        }
        return try body()
    }
}
