#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory mapping of a whole file (`mmap(PROT_READ, MAP_PRIVATE)`).
///
/// Tensor data is read straight from the mapping — the OS pages it in on demand and can drop
/// clean pages under memory pressure — so opening a multi-GB model costs no copy. Every access
/// goes through ``check(_:_:)`` or ``bytes(at:count:)``, which reject ranges outside the file
/// (overflow-safe), so a truncated or corrupt file produces a ``WeightFormatError``, never a crash.
///
/// The mapping lives as long as this object: buffers returned by ``bytes(at:count:)`` must not
/// outlive it. ``init(data:name:)`` holds a copy of bytes already in memory instead (the fuzz
/// targets parse each input this way, docs/fuzzing.md).
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with (used in every error message).
    public let path: String
    /// File size in bytes.
    public let size: Int
    /// Start of the mapping.
    public let base: UnsafeRawPointer
    /// Whether `base` is an `mmap` (else memory this object allocated).
    private let isMapped: Bool

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WeightFormatError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw WeightFormatError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw WeightFormatError.cannotOpen(path: path, reason: "not a regular file") }
        size = Int(info.st_size)
        guard size > 0 else { throw WeightFormatError.invalid(path: path, reason: "the file is empty") }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw WeightFormatError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
        isMapped = true
    }

    /// A copy of `data`, read like a file named `name` (errors name it), with the same checks.
    public init(data: Data, name: String) throws {
        path = name
        size = data.count
        guard size > 0 else { throw WeightFormatError.invalid(path: name, reason: "the file is empty") }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        data.copyBytes(to: copy.assumingMemoryBound(to: UInt8.self), count: size)
        base = UnsafeRawPointer(copy)
        isMapped = false
    }

    deinit {
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: base), size) } else { base.deallocate() }
    }

    /// Throws ``WeightFormatError/truncated(path:offset:needed:size:)`` unless
    /// `[offset, offset + count)` lies inside the file.
    public func check(_ offset: Int, _ count: Int) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw WeightFormatError.truncated(path: path, offset: offset, needed: count, size: size)
        }
    }

    /// The bytes `[offset, offset + count)` of the mapping, bounds-checked.
    public func bytes(at offset: Int, count: Int) throws -> UnsafeRawBufferPointer {
        try check(offset, count)
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}
