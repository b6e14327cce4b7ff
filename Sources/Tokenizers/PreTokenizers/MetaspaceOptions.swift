/// The fields `Metaspace` pre-tokenizers and decoders share in `tokenizer.json`: `replacement`
/// (one character, default "▁"), `prepend_scheme` ("always", "first", "never") or, in files
/// written before tokenizers 0.14, `add_prefix_space` (true = "always"), and `split` (default true).
struct MetaspaceOptions: Decodable, Sendable {
    enum PrependScheme: String, Decodable, Sendable { case always, first, never }

    var replacement: Unicode.Scalar
    var prependScheme: PrependScheme
    var split: Bool

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let text: String = try c.value("replacement", default: "▁")
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw TokenizerError.invalid(source: "", field: TokenizerError.jsonPath(c.codingPath + [JSONKey("replacement")]),
                                         reason: "expected one character, got '\(text)'")
        }
        replacement = scalar
        if let scheme: PrependScheme = try c.value("prepend_scheme", default: nil) {
            prependScheme = scheme
        } else {
            prependScheme = try c.value("add_prefix_space", default: true) ? .always : .never
        }
        split = try c.value("split", default: true)
    }
}
