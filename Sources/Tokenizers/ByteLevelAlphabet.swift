/// GPT-2's reversible byte ↔ printable-character map (`bytes_to_unicode` in openai/gpt-2
/// `encoder.py`, HF `tokenizers` `pre_tokenizers/byte_level.rs`): bytes 33…126, 161…172 and
/// 174…255 keep their Latin-1 character; the other 68 bytes map, in increasing order, to
/// U+0100 + n — so the space becomes "Ġ" (U+0120) and the newline "Ċ" (U+010A).
enum ByteLevelAlphabet {
    /// Scalar value of each byte's character.
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// UTF-8 bytes of each byte's character (one or two bytes), for building strings quickly.
    static let byteToUTF8: [[UInt8]] = byteToScalar.map { Array(String(Unicode.Scalar($0).map(Character.init) ?? " ").utf8) }

    /// The byte of each character scalar (indexed by scalar value, 0…323), or -1 outside the alphabet.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in byteToScalar.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The byte-level spelling of raw bytes ("hi there" → "hiĠthere").
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes { utf8.append(contentsOf: byteToUTF8[Int(b)]) }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The bytes a byte-level token spells, or nil when a character is outside the alphabet
    /// (HF's ByteLevel decoder then keeps the token's own UTF-8).
    static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < scalarToByte.count, scalarToByte[v] >= 0 else { return nil }
            out.append(UInt8(scalarToByte[v]))
        }
        return out
    }

    /// Whether every character of `token` belongs to the alphabet.
    static func spells(_ token: String) -> Bool { decode(token) != nil }
}
