import Base
import Evaluation
import Foundation
import Models
import Training

/// A training run's `--output` folder as `divtune monitor` follows it (docs/formats.md §4.5.3):
/// the records of `metrics.jsonl`, the probes' samples from `monitor_samples.jsonl` and each
/// probe's intervals from `monitor/step-N/metrics.json`, read as the run appends them. A line cut
/// off by a kill waits until it is complete; a log cut back by a resume is read again.
public final class MonitoredRun {
    public struct PromptSamples: Equatable, Sendable {
        public var prompt: String
        public var samples: [String]
    }

    public let folder: TrainingRunFolder
    /// How the page labels the run (the folder's name unless the caller picks another).
    public let name: String
    public private(set) var records: [MetricsRecord] = []
    /// Each probe's samples by step, prompts in file order.
    public private(set) var samples: [Int: [PromptSamples]] = [:]
    /// Each probe's evaluation (for its intervals) by step.
    public private(set) var probes: [Int: RunMetrics] = [:]
    /// The run's warnings (`warning` in `metrics.jsonl`: the collapse alarm, §4.5.4) with their steps.
    public private(set) var warnings: [(step: Int, message: String)] = []
    /// What could not be read, naming the file and line; shown on the page.
    public private(set) var problems: [String] = []

    private let metricsTail: JSONLinesTail
    private let samplesTail: JSONLinesTail

    /// Refuses a path that is not a folder, or a folder with nothing a training run writes.
    public init(url: URL, name: String? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(path: url.path, reason: "no such folder (give the --output folder of a `divtune train` run)")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let owned: Set = [TrainingRunFolder.metricsFile, TrainingRunFolder.monitorSamplesFile, TrainingRunFolder.monitorFolder,
                          TrainingRunFolder.tensorBoardFolder, LoRAAdapter.configFile]
        guard entries.contains(where: { owned.contains($0) || $0.hasPrefix(TrainingRunFolder.checkpointPrefix) }) else {
            throw FileError(path: url.path, reason: "not a training run: it holds no metrics.jsonl, monitor_samples.jsonl, checkpoint-N or "
                                + "adapter (give the --output folder of a `divtune train` run)")
        }
        folder = TrainingRunFolder(url: url)
        self.name = name ?? url.standardizedFileURL.lastPathComponent
        metricsTail = JSONLinesTail(url: folder.metricsURL)
        samplesTail = JSONLinesTail(url: folder.monitorSamplesURL)
    }

    /// The last step logged (0 before any record).
    public var lastStep: Int { records.map(\.step).max() ?? 0 }

    /// Reads what the run appended since the last call; whether anything changed.
    @discardableResult
    public func refresh() -> Bool {
        var changed = false
        if let update = read(metricsTail) {
            if update.restarted { (records, probes, warnings) = ([], [:], []) }
            for row in update.rows {
                do {
                    let record = try Self.record(row)
                    records.append(record)
                    if case .string(let message)? = row.value("warning") { warnings.append((record.step, message)) }
                    if record.values.keys.contains(where: { $0.hasPrefix(TrainingProbe.keyPrefix) }) { loadProbe(step: record.step) }
                } catch { report(error) }
            }
            update.errors.forEach(report)
            changed = changed || update.restarted || !update.rows.isEmpty || !update.errors.isEmpty
        }
        if let update = read(samplesTail) {
            if update.restarted { samples = [:] }
            for row in update.rows {
                do {
                    guard let step = try row.finiteNumber("step"), let whole = Int(exactly: step) else { throw row.error("missing or not a whole number", field: "step") }
                    samples[whole, default: []].append(PromptSamples(prompt: try row.string("prompt"), samples: try row.strings("samples")))
                } catch { report(error) }
            }
            update.errors.forEach(report)
            changed = changed || update.restarted || !update.rows.isEmpty || !update.errors.isEmpty
        }
        return changed
    }

    /// One `metrics.jsonl` record: its whole `step` and every numeric field.
    static func record(_ row: JSONLinesRow) throws -> MetricsRecord {
        guard let step = try row.finiteNumber("step"), let whole = Int(exactly: step) else {
            throw row.error("missing or not a whole number", field: "step")
        }
        var values: [String: Double] = [:]
        for (key, value) in row.object where key != "step" {
            if case .number(let number) = value, number.isFinite { values[key] = number }
        }
        return MetricsRecord(step: whole, values: values)
    }

    /// The probe's `metrics.json` (written before its record); without it the curve has no interval there.
    private func loadProbe(step: Int) {
        let url = folder.monitorURL.appendingPathComponent("step-\(step)")
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(RunMetrics.fileName).path) else { return }
        do { probes[step] = try RunMetrics.load(runDirectory: url) } catch { report(error) }
    }

    private func read(_ tail: JSONLinesTail) -> JSONLinesTail.Update? {
        do { return try tail.read() } catch {
            report(error)
            return nil
        }
    }

    private func report(_ error: Error) {
        let text = "\(error)"
        if !problems.contains(text) { problems.append(text) }
    }
}
