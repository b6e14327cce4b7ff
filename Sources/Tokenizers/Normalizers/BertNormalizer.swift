/// HF `BertNormalizer` (`normalizers/bert.rs`), applied in this order:
/// 1. `clean_text`: drop U+0000, U+FFFD and control characters (categories Cc, Cf, Cn, Co, Cs,
///    except tab/newline/carriage return); map every whitespace character to a plain space.
/// 2. `handle_chinese_chars`: surround each CJK ideograph with spaces.
/// 3. strip accents (`strip_accents`, which defaults to `lowercase` when null): NFD, then drop
///    nonspacing marks (Mn).
/// 4. `lowercase`: per-scalar full lowercase mapping.
struct BertNormalizer: Normalizer {
    let cleanText: Bool
    let handleChineseChars: Bool
    let stripAccents: Bool?
    let lowercase: Bool

    func normalize(_ text: String) -> String {
        var out = text
        if cleanText || handleChineseChars {
            var scalars = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                if cleanText {
                    if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                    if Self.isWhitespace(scalar) { scalars.append(" "); continue }
                }
                if handleChineseChars && Self.isChineseChar(scalar) {
                    scalars.append(" ")
                    scalars.append(scalar)
                    scalars.append(" ")
                } else {
                    scalars.append(scalar)
                }
            }
            out = String(scalars)
        }
        if stripAccents ?? lowercase {
            out = StripAccentsNormalizer.strip(UnicodeNormalizer(form: .nfd).normalize(out))
        }
        if lowercase { out = LowercaseNormalizer.lowercase(out) }
        return out
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT pads (`is_chinese_char` in `normalizers/bert.rs`).
    static func isChineseChar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
