import CZlib
import Foundation

/// Compression ratio of a prompt's samples: UTF-8 bytes of the space-joined samples divided by
/// their gzip size (Shaib et al.; the `diversity` package's `compression_ratio(data, 'gzip')`).
/// Higher = more repetitive.
///
/// - Intended: `len(text) / len(gzip.compress(text, compresslevel=9))` — one gzip stream
///   (zlib `deflateInit2(level 9, windowBits 31, memLevel 8)`: 10-byte header, raw deflate,
///   CRC-32 and size; the byte count does not depend on the header's mtime/OS fields).
/// - ``DiversityCompat/diversity02`` (docs/methods.md §10.3): the package compresses **twice** —
///   `inner = gzip.compress(text)` (level 9; header with mtime, XFL 2, OS 255), then writes `inner`
///   through `gzip.GzipFile("compressed.gz")`, whose size is `10 + 11 ("compressed\0" file name)
///   + |deflate₉(inner)| + 8` — and rounds to 3 decimals. The inner header's mtime can change the
///   outer size by a byte or two; it is fixed to ``compatMTime`` (the reference script pins
///   Python's clock to the same value).
public enum CompressionRatio {
    /// Inner gzip mtime used in compat mode (2025-06-15).
    public static let compatMTime: UInt32 = 1_750_000_000

    public static func ratio(_ samples: [String], compat: DiversityCompat = .intended) throws -> Double {
        let text = Array(samples.joined(separator: " ").utf8)
        switch compat {
        case .intended:
            return Double(text.count) / Double(try deflate(text, windowBits: 31).count)
        case .diversity02:
            var inner: [UInt8] = [0x1F, 0x8B, 8, 0]
            inner += littleEndian(compatMTime)
            inner += [2, 255]
            inner += try deflate(text, windowBits: -15)
            let crc = text.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            inner += littleEndian(crc) + littleEndian(UInt32(truncatingIfNeeded: text.count))
            let outer = 10 + 11 + (try deflate(inner, windowBits: -15).count) + 8
            return PythonRound.round(Double(text.count) / Double(outer), digits: 3)
        }
    }

    /// Level-9 deflate (memLevel 8, default strategy). windowBits 31 = gzip stream, −15 = raw.
    static func deflate(_ input: [UInt8], windowBits: Int32) throws -> [UInt8] {
        var stream = z_stream()
        var status = deflateInit2_(&stream, 9, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw EvaluationError.compression(code: status, stage: "deflateInit2") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                status = CZlib.deflate(&stream, Z_FINISH)
                return dst.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else { throw EvaluationError.compression(code: status, stage: "deflate") }
        return Array(output[0..<produced])
    }

    private static func littleEndian(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}
