import Foundation

/// A linear axis whose ends and ticks are "nice" numbers (1, 2 or 5 × 10^k), after Heckbert,
/// "Nice numbers for graph labels", Graphics Gems (1990): the step is the nice number nearest to
/// range/(ticks−1), and the domain is widened outwards to whole steps.
public struct NiceScale: Equatable, Sendable {
    public let lower: Double
    public let upper: Double
    public let step: Double

    /// A scale covering every finite value in `values` with about `targetTicks` ticks.
    /// With no finite values it is [0, 1]; a single value gets a small symmetric margin.
    public init(covering values: [Double], targetTicks: Int = 5) {
        let finite = values.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else {
            self.init(lower: 0, upper: 1, step: 0.2)
            return
        }
        if hi - lo < 1e-12 * max(1, abs(lo)) {
            let margin = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= margin
            hi += margin
        }
        let range = Self.nice(hi - lo, round: false)
        let step = Self.nice(range / Double(max(targetTicks - 1, 1)), round: true)
        self.init(lower: (lo / step).rounded(.down) * step, upper: (hi / step).rounded(.up) * step, step: step)
    }

    public init(lower: Double, upper: Double, step: Double) {
        self.lower = lower
        self.upper = upper
        self.step = step
    }

    /// Tick values from `lower` to `upper` inclusive (computed by index so they do not drift).
    public var ticks: [Double] {
        let count = Int(((upper - lower) / step).rounded()) + 1
        return (0..<max(count, 1)).map { i in
            let v = lower + Double(i) * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// Digits after the point that tell the ticks apart (0 for steps ≥ 1).
    public var decimals: Int { max(0, -Int(log10(step).rounded(.down))) }

    /// Maps `value` linearly onto [from, to] (which may run backwards, as screen y does).
    public func map(_ value: Double, from: Double, to: Double) -> Double {
        from + (value - lower) / (upper - lower) * (to - from)
    }

    /// The nice number (1, 2, 5 or 10 × 10^k) nearest to `x` (`round`) or not below it.
    static func nice(_ x: Double, round: Bool) -> Double {
        let exponent = log10(x).rounded(.down)
        let fraction = x / pow(10, exponent)
        let niceFraction: Double
        if round {
            niceFraction = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            niceFraction = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return niceFraction * pow(10, exponent)
    }
}
