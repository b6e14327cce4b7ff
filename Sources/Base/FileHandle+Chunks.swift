#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension FileHandle {
    /// The largest chunk ``readChunk()`` returns.
    public static let chunkLimit = 1 << 20

    /// The next bytes of a file read from start to end: at most ``chunkLimit``, empty at the end.
    /// The request is sized to the file, as Foundation allocates the whole requested count for
    /// every read: 1 MiB per read of a small file is a fresh memory mapping to fault in and zero,
    /// which dominated the fuzz targets that read data files (docs/fuzzing.md §3).
    public func readChunk() throws -> Data {
        var status = stat()
        let size = fstat(fileDescriptor, &status) == 0 ? Int(status.st_size) : Self.chunkLimit
        return try read(upToCount: min(Self.chunkLimit, max(size, 4096))) ?? Data()
    }
}
