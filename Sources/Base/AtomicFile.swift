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
///
/// A writer killed outright (SIGKILL, power loss) cannot remove its `.NAME.UUID.tmp`; the next
/// write of NAME does (``removeAbandonedTemporaries(in:of:)``). The writer holds an exclusive
/// `flock` on its temporary file until the rename, and the kernel drops it when the process dies,
/// so a temporary file whose lock can be taken has no writer left, and a live one (another thread
/// or process writing the same file) is never removed (docs/bad-inputs.md, killed runs).
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
        func failure(_ what: String) -> FileError {
            FileError(path: url.path, reason: "cannot write (\(what): \(String(cString: strerror(errno))))")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: url.path, reason: "cannot write (cannot create folder \(folder.path): \(error.localizedDescription))")
        }
        removeAbandonedTemporaries(in: folder, of: url.lastPathComponent)
        let (fd, temporary) = try createLockedTemporary(for: url, failure: failure)
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
            // Renamed while still open (and locked): closing first would let a cleaner take it for abandoned.
            guard rename(temporary, url.path) == 0 else { throw failure("rename") }
            closed = true
            guard close(fd) == 0 else { throw failure("close") }
        } catch {
            unlink(temporary)
            if !closed { close(fd) }
            throw error
        }
        let dir = open(folder.path, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }
}

extension AtomicFile {
    /// Removes the temporary files of killed writers from `folder`: those of the file `name`
    /// (`.NAME.X.tmp`, X without a dot) or, when `name` is nil, every `.*.tmp` file, unless a writer
    /// still holds its lock. Best effort: a file that cannot be opened, locked or removed is left.
    /// Returns the names removed.
    @discardableResult
    public static func removeAbandonedTemporaries(in folder: URL, of name: String? = nil) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [String] = []
        for entry in entries.sorted() where isTemporary(entry, of: name) {
            let path = folder.appendingPathComponent(entry).path
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            // Taken only when no writer holds it; removing while holding it stops a writer that
            // has just created the file from using it (it checks the link count once it has the lock).
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            if unlink(path) == 0 { removed.append(entry) }
        }
        return removed
    }

    /// Whether `entry` is the name of a temporary file of `name` (of any file when nil).
    static func isTemporary(_ entry: String, of name: String?) -> Bool {
        guard entry.hasPrefix("."), entry.hasSuffix(".tmp") else { return false }
        guard let name else { return entry.count > 5 }
        let prefix = ".\(name)."
        guard entry.hasPrefix(prefix), entry.count > prefix.count + 4 else { return false }
        return !entry.dropFirst(prefix.count).dropLast(4).contains(".")
    }

    /// Creates `.NAME.UUID.tmp` next to `url`, open for writing and locked.
    private static func createLockedTemporary(for url: URL, failure: (String) -> FileError) throws -> (Int32, String) {
        let folder = url.deletingLastPathComponent()
        while true {
            let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw failure("cannot create \(temporary)") }
            // A file system without flock leaves the file unlocked; cleaners cannot lock it either, so they leave it.
            var locked: Int32
            repeat { locked = flock(fd, LOCK_EX) } while locked != 0 && errno == EINTR
            guard locked == 0 else { return (fd, temporary) }
            var status = stat()
            if fstat(fd, &status) == 0 && status.st_nlink > 0 { return (fd, temporary) }
            // A cleaner took the file for a killed writer's between our open and flock: use a new name.
            close(fd)
        }
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
