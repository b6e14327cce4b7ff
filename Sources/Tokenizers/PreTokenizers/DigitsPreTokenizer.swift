/// HF `Digits`: isolates numbers — every numeric scalar (general category Nd, Nl or No, Rust
/// `char::is_numeric`) on its own with `individual_digits`, else runs of them. SmolLM and
/// StarCoder put it before the GPT-2 byte-level regex (llama.cpp's first `\p{N}` pass).
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool

    func split(_ text: String) -> [String] {
        (individualDigits ? SplitBehavior.isolated : .contiguous).apply(Segment.scalars(of: text, isDelimiter: Self.isNumeric))
    }

    static func isNumeric(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return s.value >= 48 && s.value <= 57 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
