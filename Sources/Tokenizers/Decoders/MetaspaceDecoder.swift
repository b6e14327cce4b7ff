/// HF `Metaspace` decoder: `replacement` ("▁") back to a space, except that the first token drops
/// its replacements when the pre-tokenizer prepended one (any `prepend_scheme` but "never").
struct MetaspaceDecoder: TokenDecoder {
    let replacement: Unicode.Scalar
    let prependsReplacement: Bool

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var out = String.UnicodeScalarView()
            for scalar in token.unicodeScalars {
                if scalar != replacement { out.append(scalar) } else if i > 0 || !prependsReplacement { out.append(" ") }
            }
            return String(out)
        }
    }
}
