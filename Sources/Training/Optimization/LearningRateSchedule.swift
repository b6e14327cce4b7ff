import Foundation

/// Learning-rate schedules of transformers' `get_scheduler` (linear warm-up from 0, then
/// constant, linear decay to 0, or half-cosine to 0). `factor(step:)` takes the number of updates
/// already taken, as the HF `LambdaLR` does, so with warm-up the first update has lr 0.
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case constant, linear, cosine }

    public var kind: Kind
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, peak: Float, warmupSteps: Int = 0, totalSteps: Int) {
        self.kind = kind
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    public func factor(step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch kind {
        case .constant: return 1
        case .linear: return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine: return max(0, 0.5 * (1 + Foundation.cos(Double.pi * progress)))
        }
    }

    public func learningRate(step: Int) -> Float { Float(Double(peak) * factor(step: step)) }
}
