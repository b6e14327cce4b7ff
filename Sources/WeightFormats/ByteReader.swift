/// A bounds-checked little-endian cursor over a ``MappedFile``: each read checks that its bytes
/// lie inside the file before loading them, and advances the cursor.
struct ByteReader {
    let file: MappedFile
    var offset: Int

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        try file.check(offset, MemoryLayout<T>.size)
        let value = T(littleEndian: file.base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }
    mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    /// A `gguf_string`: u64 length + UTF-8 bytes (no NUL). Lengths above `limit` are rejected
    /// before anything is allocated; invalid UTF-8 is repaired with U+FFFD.
    mutating func readString(limit: Int = 1 << 26, what: String = "string") throws -> String {
        let start = offset
        let length = try read(UInt64.self)
        guard length <= UInt64(limit) else {
            throw WeightFormatError.invalid(path: file.path, reason: "\(what) length \(length) at offset \(start) exceeds the limit of \(limit) bytes")
        }
        let bytes = try file.bytes(at: offset, count: Int(length))
        offset += Int(length)
        return String(decoding: bytes, as: UTF8.self)
    }
}
