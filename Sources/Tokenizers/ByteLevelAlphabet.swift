/// GPT-2's reversible byte ↔ printable-character map: bytes that are printable Latin-1 keep
/// their character; the other 68 bytes map to U+0100… in order, so every byte string becomes a
/// string of visible characters (the space becomes "Ġ", newline "Ċ").
enum ByteLevelAlphabet {
    static let byteToCharacter: [Character] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var characters = printable.map { Character(Unicode.Scalar(UInt32($0))!) }
        var next: UInt32 = 256
        var table = [Character](repeating: " ", count: 256)
        for (b, c) in zip(printable, characters) { table[b] = c }
        for b in 0..<256 where !printable.contains(b) {
            table[b] = Character(Unicode.Scalar(next)!)
            next += 1
        }
        printable.removeAll()
        characters.removeAll()
        return table
    }()

    static let characterToByte: [Character: UInt8] = {
        var map: [Character: UInt8] = [:]
        for (b, c) in byteToCharacter.enumerated() { map[c] = UInt8(b) }
        return map
    }()

    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        String(bytes.map { byteToCharacter[Int($0)] })
    }

    /// Bytes of a byte-level token string; characters outside the alphabet are kept as UTF-8.
    static func decode(_ token: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for c in token {
            if let b = characterToByte[c] { out.append(b) } else { out.append(contentsOf: Array(String(c).utf8)) }
        }
        return out
    }
}
