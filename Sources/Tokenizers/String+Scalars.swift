/// Prefix tests on bytes, not grapheme clusters: Swift's `hasPrefix` compares `Character`s, so
/// "##ि" (a combining vowel sign after "#") or " \u{301}" would not start with "##" or " " — but
/// HF works on scalars and does treat them as prefixed.
extension String {
    func hasBytePrefix(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// `self` without `prefix` (which must be a byte prefix).
    func droppingBytePrefix(_ prefix: String) -> String {
        String(decoding: utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
    }
}
