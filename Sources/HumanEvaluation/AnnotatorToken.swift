import Base

/// Annotator tokens: 128 random bits from the system generator as 32 hex digits; only their SHA-256 is stored.
public enum AnnotatorToken {
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let s = String(UInt32.random(in: .min ... .max, using: &rng), radix: 16)
            return String(repeating: "0", count: 8 - s.count) + s
        }.joined()
    }

    public static func hash(_ token: String) -> String { SHA256.hex(token.utf8) }
}
