import Foundation
import Console

/// Draws a run's events as a progress bar on standard error (Console's ``ProgressBar``: only on a
/// terminal unless forced), with the last step's loss after the rate.
public final class TrainingProgress {
    private let enabled: Bool?
    private var bar: ProgressBar?

    /// - Parameter enabled: force drawing on or off; by default only on a terminal.
    public init(enabled: Bool? = nil) {
        self.enabled = enabled
    }

    public func show(_ event: TrainingEvent) {
        switch event {
        case let .started(start):
            bar = ProgressBar(start.name, total: start.totalSteps, unit: "step", enabled: enabled)
            if start.step > 0 { bar?.advance(by: start.step) }
        case let .step(step):
            bar?.advance(detail: step.metrics["loss"].map { String(format: "loss %.4f", $0) })
        case .finished:
            bar?.finish()
            bar = nil
        case let .warning(warning):
            // On its own line, whether or not a bar is drawn.
            FileHandle.standardError.write(Data("\nwarning: \(warning.message)\n".utf8))
        case .evaluation, .checkpointSaved:
            break
        }
    }
}
