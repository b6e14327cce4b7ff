/// The knobs of one sampling chain, with OpenAI/HF names in `CodingKeys`.
///
/// Defaults are "off" for every stage except temperature 1, matching the OpenAI API; the paper's
/// evaluation settings are `SamplingParameters.paperEvaluation` (T 1.0, top-k 50, top-p 0.95,
/// repetition penalty 1.1). Stages run in `order`; the default is HF transformers' order
/// (repetition penalty → temperature → top-k → top-p → min-p). Temperature 0 means greedy decoding.
public struct SamplingParameters: Codable, Sendable, Equatable {
    public var temperature: Float = 1.0
    public var topK: Int = 0
    public var topP: Double = 1.0
    public var minP: Float = 0
    public var repetitionPenalty: Float = 1.0
    /// Only the last N context tokens count for the repetition penalty; nil = the whole context (HF).
    public var repetitionWindow: Int? = nil
    public var order: [SamplerStage] = SamplerStage.huggingFaceOrder

    public init(temperature: Float = 1.0, topK: Int = 0, topP: Double = 1.0, minP: Float = 0,
                repetitionPenalty: Float = 1.0, repetitionWindow: Int? = nil,
                order: [SamplerStage] = SamplerStage.huggingFaceOrder) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.order = order
    }

    /// Chung et al.'s generation settings for evaluation (docs/methods.md §9).
    public static let paperEvaluation = SamplingParameters(temperature: 1.0, topK: 50, topP: 0.95, repetitionPenalty: 1.1)
    public static let greedy = SamplingParameters(temperature: 0)

    public var isGreedy: Bool { temperature <= 0 }

    /// Throws a readable error for out-of-range values (used by the CLI and the server).
    public func validate() throws {
        func fail(_ field: String, _ why: String) -> SamplingError { .invalidParameter(field: field, reason: why) }
        guard temperature.isFinite, temperature >= 0 else { throw fail("temperature", "must be ≥ 0, got \(temperature)") }
        guard topK >= 0 else { throw fail("top_k", "must be ≥ 0 (0 = off), got \(topK)") }
        guard topP.isFinite, topP > 0, topP <= 1 else { throw fail("top_p", "must be in (0, 1], got \(topP)") }
        guard minP.isFinite, minP >= 0, minP <= 1 else { throw fail("min_p", "must be in [0, 1], got \(minP)") }
        guard repetitionPenalty.isFinite, repetitionPenalty > 0 else {
            throw fail("repetition_penalty", "must be > 0 (1 = off), got \(repetitionPenalty)")
        }
        if let repetitionWindow, repetitionWindow < 0 { throw fail("repetition_window", "must be ≥ 0") }
    }

    enum CodingKeys: String, CodingKey {
        case temperature, order
        case topK = "top_k", topP = "top_p", minP = "min_p"
        case repetitionPenalty = "repetition_penalty", repetitionWindow = "repetition_window"
    }
}

/// The stages a chain can hold. Shaping stages rescale logits; truncating stages remove tokens.
public enum SamplerStage: String, Codable, Sendable, CaseIterable {
    case repetitionPenalty = "repetition_penalty"
    case temperature
    case topK = "top_k"
    case topP = "top_p"
    case minP = "min_p"

    public static let huggingFaceOrder: [SamplerStage] = [.repetitionPenalty, .temperature, .topK, .topP, .minP]

    public var isTruncation: Bool { self == .topK || self == .topP || self == .minP }
}

public enum SamplingError: Error, CustomStringConvertible, Equatable {
    case invalidParameter(field: String, reason: String)
    case logitCountMismatch(expected: Int, got: Int)

    public var description: String {
        switch self {
        case let .invalidParameter(field, reason): return "invalid sampling parameter '\(field)': \(reason)"
        case let .logitCountMismatch(expected, got): return "logit vectors differ in size: \(expected) vs \(got) (models must share a vocabulary)"
        }
    }
}
