import Console
import EvaluationRuns
import Foundation

/// Draws an evaluation's events as progress bars on standard error, one bar per stage.
final class EvaluateProgress {
    private var bar: ProgressBar?

    func show(_ event: EvaluationEvent) {
        switch event {
        case let .started(stage, total):
            bar = ProgressBar(Self.label(stage), total: total, unit: Self.unit(stage))
        case let .advanced(_, count, tokensPerSecond):
            bar?.advance(by: count, detail: tokensPerSecond.map { String(format: "%.1f tok/s", $0) })
        case .finished:
            bar?.finish()
            bar = nil
        case .sampled:
            break
        }
    }

    static func label(_ stage: EvaluationStage) -> String {
        stage == .measure ? "evaluate diversity" : stage.rawValue
    }

    static func unit(_ stage: EvaluationStage) -> String {
        switch stage {
        case .sample, .measure: return "prompts"
        case .reward, .embed: return "texts"
        }
    }
}
