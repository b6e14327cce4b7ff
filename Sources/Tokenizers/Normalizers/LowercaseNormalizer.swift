/// HF `Lowercase`: every scalar replaced by its full lowercase mapping, one scalar at a time
/// (Rust `char::to_lowercase`, so no context-dependent final sigma: "ΣΑΣ" → "σασ").
struct LowercaseNormalizer: Normalizer {
    func normalize(_ text: String) -> String { Self.lowercase(text) }

    static func lowercase(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                out.append(scalar.value >= 65 && scalar.value <= 90 ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else if scalar.properties.changesWhenLowercased {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
