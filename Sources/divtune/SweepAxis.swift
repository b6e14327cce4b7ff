import Foundation
import ArgumentParser

/// One axis of a `divtune sweep` grid: a `prepare` or `train` option and the values it takes. The
/// DDPO paper's Figure 3 varies the maximum responses per prompt and, at four, a minimum δ and
/// high-quality responses (docs/formats.md §4.15); data-set fraction and the training options
/// complete the grid.
struct SweepAxis: Equatable {
    /// The stage an axis' option belongs to.
    enum Stage: String { case prepare, train }

    /// The options a grid may vary: the flag's name, its stage and what its values may be.
    enum Option: String, CaseIterable {
        case maxResponses = "max-responses"
        case minDeviation = "min-deviation"
        case dataFraction = "data-fraction"
        case sortByScore = "sort-by-score"
        case deviation
        case beta
        case learningRate = "learning-rate"
        case maxSteps = "max-steps"

        var stage: Stage {
            switch self {
            case .maxResponses, .minDeviation, .dataFraction, .sortByScore, .deviation: return .prepare
            case .beta, .learningRate, .maxSteps: return .train
            }
        }

        /// Why `value` is not one this option takes, or nil when it is.
        func problem(_ value: String) -> String? {
            switch self {
            case .maxResponses:
                return value == "all" || (Int(value).map { $0 >= 2 } ?? false) ? nil : "an integer ≥ 2 or all"
            case .minDeviation:
                return value == "none" || (Double(value).map { (-1...0).contains($0) } ?? false) ? nil : "a number in [-1, 0] or none"
            case .dataFraction:
                return Double(value).map { $0 > 0 && $0 <= 1 } == true ? nil : "a number in (0, 1]"
            case .sortByScore:
                return value == "true" || value == "false" ? nil : "true or false"
            case .deviation:
                return ["none", "semantic", "style", "both"].contains(value) ? nil : "none, semantic, style or both"
            case .beta, .learningRate:
                return Double(value).map { $0 > 0 && $0.isFinite } == true ? nil : "a positive number"
            case .maxSteps:
                return Int(value).map { $0 >= 1 } == true ? nil : "an integer ≥ 1"
            }
        }

        /// The flags that give the stage `value` (`all`, `none` and `false` are the stage's default: no flag).
        func arguments(_ value: String) -> [String] {
            switch (self, value) {
            case (.maxResponses, "all"), (.minDeviation, "none"), (.sortByScore, "false"): return []
            case (.sortByScore, _): return ["--sort-by-score"]
            default: return ["--\(rawValue)", value]
            }
        }
    }

    var option: Option
    var values: [String]

    /// `KEY=V1,V2,…` as `--grid` takes it.
    init(argument: String) throws {
        guard let equals = argument.firstIndex(of: "=") else {
            throw ValidationError("--grid \(argument): expected KEY=V1,V2,… (keys: \(Option.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let key = String(argument[..<equals])
        guard let option = Option(rawValue: key) else {
            throw ValidationError("--grid \(argument): unknown key '\(key)' (keys: \(Option.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let values = argument[argument.index(after: equals)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !values.isEmpty else { throw ValidationError("--grid \(argument): no values") }
        for value in values {
            if let problem = option.problem(value) { throw ValidationError("--grid \(argument): '\(value)' is not \(problem)") }
        }
        guard Set(values).count == values.count else { throw ValidationError("--grid \(argument): a value appears twice") }
        self.option = option
        self.values = values
    }
}
