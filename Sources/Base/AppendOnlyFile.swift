import Foundation

/// A file that only grows, one whole chunk per `write(2)` (logs: `metrics.jsonl`, TensorBoard
/// event files): nothing is buffered in the process, so a killed run leaves every chunk written
/// before the kill and at most the last one cut short (docs/formats.md §1). A write that fails (a
/// full disk) throws a `FileError` naming the file.
public final class AppendOnlyFile: @unchecked Sendable {
    public let url: URL
    private let handle: FileHandle
    private let lock = NSLock()

    /// Opens `url` for appending, creating it (and its folder) when missing.
    public init(url: URL) throws {
        self.url = url
        let fm = FileManager.default
        do { try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
            throw FileError(path: url.path, reason: "cannot create its folder (\(error.localizedDescription))")
        }
        if !fm.fileExists(atPath: url.path) { _ = fm.createFile(atPath: url.path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw FileError(path: url.path, reason: "cannot open for appending")
        }
        self.handle = handle
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    /// Appends `chunk` with one write. (`FileHandle.write(_:)` traps on failure; `write(contentsOf:)` throws.)
    public func append(_ chunk: Data) throws {
        lock.lock(); defer { lock.unlock() }
        do { try handle.write(contentsOf: chunk) } catch {
            throw FileError(path: url.path, reason: "cannot append (\(error.localizedDescription))")
        }
    }
}
