import Evaluation

extension Estimate {
    /// `0.1234 [0.1100, 0.1300]` with the given digits.
    public func formatted(decimals: Int = 4) -> String {
        Markup.number(mean, decimals: decimals) + " [" + Markup.number(lower, decimals: decimals) + ", "
            + Markup.number(upper, decimals: decimals) + "]"
    }
}
