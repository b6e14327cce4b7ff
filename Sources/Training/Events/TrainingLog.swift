import Base
import Foundation

/// Writes a run's `metrics.jsonl` from its events (docs/formats.md §4.5): at the end of each
/// logging window one record with `step`, `epoch`, the window's mean of every step metric,
/// `tokens_per_second` and `peak_memory_mb` (and `context_splits` when padding-free rows overran
/// the context in the window); after each evaluation one record with `step`, `epoch` and the
/// metrics prefixed `eval_`.
///
/// A record that cannot be written throws a `FileError` naming the file, which stops the run: the
/// last checkpoint stays valid, and a run whose metrics are incomplete would be misleading.
public final class TrainingLog {
    public let url: URL
    private let log: JSONLinesLog
    private var window: [String: [Double]] = [:]
    private var windowTokens = 0
    private var windowSeconds = 0.0
    private var windowSplits = 0
    /// Padding-free rows started over the whole run because a micro-batch overran the context.
    public private(set) var contextSplits = 0
    /// The metrics of the last window written (for the command's closing summary).
    public private(set) var lastAverages: [String: Double] = [:]
    /// Receives each record once its line is written (TensorBoard); an error it throws stops the
    /// run as a failed write does.
    public var onRecord: ((MetricsRecord) throws -> Void)?

    /// Opens `url` for appending (after a resume the run folder has already cut it back to the
    /// checkpoint's step, see ``TrainingRunFolder``).
    public init(url: URL) throws {
        self.url = url
        do { log = try JSONLinesLog(url: url) } catch let error as FileError { throw error } catch {
            throw FileError(path: url.path, reason: "cannot open the metrics log (\(error.localizedDescription))")
        }
    }

    public func record(_ event: TrainingEvent) throws {
        switch event {
        case let .step(step):
            for (key, value) in step.metrics { window[key, default: []].append(value) }
            windowTokens += step.tokens
            windowSeconds += step.seconds
            windowSplits += step.contextSplits
            contextSplits += step.contextSplits
            guard step.endsLoggingWindow else { return }
            let averages = window.mapValues { $0.reduce(0, +) / Double($0.count) }
            var record: [String: Any] = averages
            record["step"] = step.step
            record["epoch"] = step.epoch
            record["tokens_per_second"] = windowSeconds > 0 ? Double(windowTokens) / windowSeconds : 0
            record["peak_memory_mb"] = Self.peakMemoryMB()
            if windowSplits > 0 { record["context_splits"] = windowSplits }
            try append(record)
            lastAverages = averages
            window = [:]; windowTokens = 0; windowSeconds = 0; windowSplits = 0
        case let .evaluation(evaluation):
            var record: [String: Any] = ["step": evaluation.step, "epoch": evaluation.epoch]
            for (key, value) in evaluation.metrics { record[MetricsRecord.evaluationPrefix + key] = value }
            try append(record)
        case let .warning(warning):
            var record: [String: Any] = warning.values
            record["step"] = warning.step
            record["warning"] = warning.message
            try append(record)
        case .started, .checkpointSaved, .finished:
            break
        }
    }

    /// Writes a record that is not the trainer's (a probe's `monitor/…` metrics at its step).
    public func append(_ record: MetricsRecord) throws {
        var line: [String: Any] = record.values
        line["step"] = record.step
        try append(line)
    }

    private func append(_ record: [String: Any]) throws {
        do { try log.append(record) } catch let error as FileError { throw error } catch {
            throw FileError(path: url.path, reason: "cannot write the metrics log (\(error.localizedDescription))")
        }
        guard let onRecord, let step = record["step"] as? Int else { return }
        var values: [String: Double] = [:]
        for (key, value) in record where key != "step" {
            if let number = value as? Double { values[key] = number } else if let number = value as? Int { values[key] = Double(number) }
        }
        try onRecord(MetricsRecord(step: step, values: values))
    }

    /// The process's resident-memory peak in MB.
    static func peakMemoryMB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #endif
    }
}
