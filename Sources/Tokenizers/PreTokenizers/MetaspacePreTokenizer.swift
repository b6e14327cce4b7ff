/// HF `Metaspace` (SentencePiece-style words): every space becomes `replacement` ("▁"), a
/// `replacement` is prepended to text that does not start with one (`prepend_scheme` "always";
/// "never" prepends nothing), and with `split` the text is cut before each `replacement`
/// (`MergedWithNext`), so "▁a▁▁b" gives "▁a", "▁", "▁b". Works on scalars, as HF works on chars.
struct MetaspacePreTokenizer: PreTokenizer {
    let replacement: Unicode.Scalar
    let prependsReplacement: Bool
    let splits: Bool

    func split(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var scalars = text.unicodeScalars.map { $0 == " " ? replacement : $0 }
        if prependsReplacement, scalars.first != replacement { scalars.insert(replacement, at: 0) }
        guard splits else { return [String(String.UnicodeScalarView(scalars))] }
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in scalars {
            if scalar == replacement, !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
            current.append(scalar)
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }
}
