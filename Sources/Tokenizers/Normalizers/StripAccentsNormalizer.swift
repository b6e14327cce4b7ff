/// HF `StripAccents`: removes nonspacing marks (general category Mn). Meant to follow NFD, which
/// turns "é" into "e" + U+0301.
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ text: String) -> String { Self.strip(text) }

    static func strip(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark { out.append(scalar) }
        return String(out)
    }
}
