import Foundation

/// JSON string output straight into UTF-8 bytes, the same text as `JSONText.string` (escapes `"`, `\`,
/// `\n`, `\r`, `\t` and other control characters as `\u00XX`; everything else verbatim).
///
/// Runs of bytes that need no escaping are copied in bulk: writing a 47 MB import through
/// `JSONText.string` (a `String` built scalar by scalar) took three quarters of the run.
enum JSONStringBytes {
    static func append(_ string: String, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in
            out.append(0x22)
            var runStart = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                switch byte {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                case 0x09: out += [0x5C, 0x74]
                default: out += Array("\\u00".utf8) + [hexDigit(byte >> 4), hexDigit(byte & 0xF)]
                }
                runStart = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            out.append(0x22)
        }
    }

    static func append(literal: String, to out: inout [UInt8]) { out.append(contentsOf: literal.utf8) }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10 }
}
