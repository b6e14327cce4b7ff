import Foundation

/// HF `Precompiled`: SentencePiece's compiled normalization rules (`precompiled_charsmap`, e.g.
/// `nmt_nfkc` for XLM-RoBERTa), applied as the `tokenizers` library applies them.
///
/// The charsmap is `u32 trie size` (little-endian, bytes) ‖ a darts-clone double-array trie of that
/// many bytes ‖ a pool of NUL-terminated replacement strings the trie's values point into. Each
/// grapheme shorter than 6 UTF-8 bytes is looked up whole; otherwise (or when it has no rule) each
/// of its scalars is. A lookup takes the *shortest* trie key that prefixes the bytes and replaces
/// the whole chunk by its string — a quirk kept on purpose, since HF keeps it for parity with
/// SentencePiece. Out-of-range offsets in a corrupt map leave the text unchanged rather than crash.
struct PrecompiledNormalizer: Normalizer {
    private let trie: [UInt32]
    private let pool: [UInt8]

    /// `charsmap` is the base64 text of `tokenizer.json`; `field` names it in errors.
    init(base64 charsmap: String, field: String) throws {
        guard let data = Data(base64Encoded: charsmap) else {
            throw TokenizerError.invalid(source: "", field: field, reason: "not base64")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 4 else { throw TokenizerError.invalid(source: "", field: field, reason: "shorter than its 4-byte header") }
        let trieBytes = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        guard trieBytes % 4 == 0, 4 + trieBytes <= bytes.count else {
            throw TokenizerError.invalid(source: "", field: field, reason: "trie size \(trieBytes) does not fit the \(bytes.count)-byte map")
        }
        trie = stride(from: 4, to: 4 + trieBytes, by: 4).map { i in
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        pool = Array(bytes[(4 + trieBytes)...])
    }

    func normalize(_ text: String) -> String {
        guard !trie.isEmpty else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for grapheme in text {
            let bytes = Array(grapheme.utf8)
            if bytes.count < 6, let replacement = transform(bytes[...]) {
                out += replacement
                continue
            }
            for scalar in grapheme.unicodeScalars {
                let part = Array(String(scalar).utf8)
                out += transform(part[...]) ?? part[...]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The replacement of the shortest rule that prefixes `key`, or nil when none does.
    func transform(_ key: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        // darts-clone unit layout: label in bits 0-7 (and 31), has-leaf in bit 8, offset in bits 10-31
        // scaled by bit 9; a leaf's value is its low 31 bits.
        func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }
        var node = offset(trie[0])
        for byte in key {
            guard byte != 0 else { return nil }
            node ^= Int(byte)
            guard node < trie.count, trie[node] & (1 << 31 | 0xFF) == UInt32(byte) else { return nil }
            let unit = trie[node]
            node ^= offset(unit)
            guard unit >> 8 & 1 == 1 else { continue }
            guard node < trie.count else { return nil }
            let start = Int(trie[node] & 0x7FFF_FFFF)
            guard start <= pool.count else { return nil }
            let end = pool[start...].firstIndex(of: 0) ?? pool.count
            return pool[start..<end]
        }
        return nil
    }
}
