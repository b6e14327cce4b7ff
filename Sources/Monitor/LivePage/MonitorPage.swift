import Evaluation
import Foundation
import Reports

/// The page of `divtune monitor` (docs/formats.md §4.5.3), rendered on the server: a line about
/// each run, a panel per curve (``LinePlot``; several runs share a panel, one series each) and the
/// probes' latest samples per prompt side by side. A few lines of script replace the content with
/// each server-sent `update`; without script the page is a snapshot.
enum MonitorPage {
    /// A panel: the `metrics.jsonl` keys it draws and, for probe metrics, the interval of a probe.
    struct Panel {
        var id: String
        var title: String
        var keys: [String]
        var interval: ((RunMetrics) -> Estimate?)?
    }

    /// Training curves first (TRL's names), then the probes' diversity and quality.
    static func panels(qualityKeys: [String]) -> [Panel] {
        var panels = [
            Panel(id: "loss", title: "Loss", keys: ["loss", "eval_loss"]),
            Panel(id: "rewards", title: "Rewards", keys: ["rewards/chosen", "rewards/rejected", "eval_rewards/chosen", "eval_rewards/rejected"]),
            Panel(id: "margins", title: "Reward margin", keys: ["rewards/margins", "eval_rewards/margins"]),
        ]
        for metric in DiversityMetric.allCases {
            panels.append(Panel(id: metric.rawValue, title: metric.columnTitle, keys: [TrainingProbe.keyPrefix + metric.rawValue],
                                interval: { $0.estimate(metric) }))
        }
        for key in qualityKeys {
            let measure = key.dropFirst((TrainingProbe.keyPrefix + "quality_").count).replacingOccurrences(of: "_", with: " ")
            panels.append(Panel(id: key.replacingOccurrences(of: "/", with: "-"), title: "Quality (\(measure))", keys: [key], interval: { $0.quality }))
        }
        return panels
    }

    /// The panels that have points, as (id, plot).
    static func plots(_ runs: [MonitoredRun]) -> [(id: String, plot: LinePlot)] {
        let keys = Set(runs.flatMap { $0.records.flatMap(\.values.keys) })
        let quality = keys.filter { $0.hasPrefix(TrainingProbe.keyPrefix + "quality_") }.sorted()
        return panels(qualityKeys: quality).compactMap { panel in
            var series: [LineSeries] = []
            for run in runs {
                for key in panel.keys {
                    let points = run.records.compactMap { record -> LineSeries.Point? in
                        guard let value = record.values[key] else { return nil }
                        let interval = run.probes[record.step].flatMap { panel.interval?($0) }
                        return LineSeries.Point(x: Double(record.step), y: value, lower: interval?.lower, upper: interval?.upper)
                    }
                    if !points.isEmpty { series.append(LineSeries(label: runs.count > 1 ? "\(run.name) \(key)" : key, points: points)) }
                }
            }
            guard !series.isEmpty else { return nil }
            return (panel.id, LinePlot(title: panel.title, xLabel: "step", yLabel: panel.title, series: series))
        }
    }

    /// The page as the runs stand now (its `sections` are what an update swaps in).
    static func page(_ runs: [MonitoredRun]) -> HTMLPage {
        var page = HTMLPage(title: "Training monitor: " + runs.map(\.name).joined(separator: ", "))
        for run in runs {
            let probes = run.samples.keys.sorted()
            page.paragraph("\(run.name) (\(run.folder.url.path)): \(run.records.isEmpty ? "no records yet" : "step \(run.lastStep)"), "
                           + "\(run.records.count) record\(run.records.count == 1 ? "" : "s")"
                           + (probes.isEmpty ? "" : ", probes at step\(probes.count == 1 ? "" : "s") \(probes.map(String.init).joined(separator: ", "))"))
            for warning in run.warnings { page.paragraph("Warning at step \(warning.step): \(warning.message)") }
            for problem in run.problems { page.paragraph("Could not read: \(problem)") }
        }
        let plots = plots(runs)
        if plots.isEmpty {
            page.paragraph("Nothing to plot yet: the curves appear with the run's first record in metrics.jsonl.")
        } else {
            page.raw("<div class=\"panels\">" + plots.map { "<div class=\"panel\" id=\"panel-\(Markup.escape($0.id))\">\($0.plot.svg())</div>" }.joined() + "</div>")
        }
        appendSamples(runs, to: &page)
        return page
    }

    /// The latest probe's samples per prompt: for one run beside its first probe's (what training
    /// changed), for several runs each run's latest side by side.
    static func appendSamples(_ runs: [MonitoredRun], to page: inout HTMLPage) {
        var columns: [(title: String, samples: [MonitoredRun.PromptSamples])] = []
        if runs.count == 1, let run = runs.first, let first = run.samples.keys.min(), let last = run.samples.keys.max() {
            for step in Set([first, last]).sorted() { columns.append(("step \(step)", run.samples[step] ?? [])) }
        } else {
            for run in runs { if let last = run.samples.keys.max() { columns.append(("\(run.name), step \(last)", run.samples[last] ?? [])) } }
        }
        guard let latest = columns.last else { return }
        page.heading("Latest samples")
        for prompt in latest.samples.map(\.prompt) {
            page.sideBySide(rowTitle: prompt, columns: columns.map(\.title),
                            cells: columns.map { column in column.samples.first { $0.prompt == prompt }?.samples ?? [] })
        }
    }

    static let script = """
        var source = new EventSource('/events');
        source.addEventListener('update', function (event) {
          var update = JSON.parse(event.data);
          document.getElementById('content').innerHTML = update.html;
          document.body.setAttribute('data-version', update.version);
        });
        source.onopen = function () { document.body.setAttribute('data-live', 'yes'); };
        source.onerror = function () { document.body.setAttribute('data-live', 'no'); };
        """
}
