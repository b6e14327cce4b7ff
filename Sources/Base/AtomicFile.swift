#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Atomic replace-by-rename for files DivTune writes (checkpoints, adapters, caches): the bytes go
/// to a temporary file in the destination's folder, are `fsync`ed, renamed over the destination,
/// and the folder is `fsync`ed so the rename itself is durable. Readers see the old file or the
/// complete new one, never a partial write; on failure the temporary file is removed.
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { sink in try data.withUnsafeBytes { try sink($0) } }
    }

    /// Writes the chunks `produce` passes to its sink, in order, to `url` atomically.
    public static func write(to url: URL, chunks produce: ((Data) throws -> Void) throws -> Void) throws {
        try write(to: url) { sink in
            try withoutActuallyEscaping(sink) { sink in try produce { data in try data.withUnsafeBytes { try sink($0) } } }
        }
    }

    /// Writes whatever `produce` passes to its sink, in order, to `url` atomically.
    public static func write(to url: URL, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        func failure(_ what: String) -> FileError {
            FileError(path: url.path, reason: "cannot write (\(what): \(String(cString: strerror(errno))))")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: url.path, reason: "cannot write (cannot create folder \(folder.path): \(error.localizedDescription))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var closed = false
        do {
            try produce { bytes in
                var done = 0
                while done < bytes.count {
                    let n = posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failure("write") }
                    done += n
                }
            }
            guard fsync(fd) == 0 else { throw failure("fsync") }
            closed = true
            guard close(fd) == 0 else { throw failure("close") }
            guard rename(temporary, url.path) == 0 else { throw failure("rename") }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
        let dir = open(folder.path, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }
}

/// POSIX `write(2)` (the name `write` is taken by ``AtomicFile/write(_:to:)`` inside the enum).
@inline(__always)
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
