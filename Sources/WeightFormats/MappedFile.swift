#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory mapping of a whole file. Tensor data is read straight from the mapping
/// (the OS pages it in on demand), and every read is bounds-checked against the file size.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    public let base: UnsafeRawPointer

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WeightFormatError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw WeightFormatError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        size = Int(info.st_size)
        guard size > 0 else { throw WeightFormatError.invalid(path: path, reason: "the file is empty") }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw WeightFormatError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// Throws unless [offset, offset + count) lies inside the file (overflow-safe).
    public func check(_ offset: Int, _ count: Int) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw WeightFormatError.truncated(path: path, offset: offset, needed: count, size: size)
        }
    }

    public func bytes(at offset: Int, count: Int) throws -> UnsafeRawBufferPointer {
        try check(offset, count)
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}

/// A bounds-checked little-endian cursor over a mapped file.
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

    /// A length-prefixed (u64) UTF-8 string, with a sanity cap on the length.
    mutating func readString(limit: Int = 1 << 26) throws -> String {
        let length = try read(UInt64.self)
        guard length <= UInt64(limit) else {
            throw WeightFormatError.invalid(path: file.path, reason: "string length \(length) at offset \(offset - 8) is implausible")
        }
        let bytes = try file.bytes(at: offset, count: Int(length))
        offset += Int(length)
        return String(decoding: bytes, as: UTF8.self)
    }
}
