import Base
import Foundation

/// A ``TextEmbedder`` that remembers vectors on disk, keyed by SHA-256 of (model id, text), so
/// re-running `prepare` or an evaluation does not embed the same texts again.
///
/// File layout (little-endian), loaded in ``init(wrapping:modelID:file:)`` and rewritten whole
/// and atomically (temporary file + rename) by ``save()``:
/// ```
/// magic "DTEMBC01" (8 bytes)
/// repeated: key (32 bytes = SHA-256 of UTF-8 modelID ‖ 0x00 ‖ UTF-8 text) · count: UInt32 · count × Float32
/// ```
/// Every length is bounds-checked on load; a truncated or corrupt file throws
/// ``EmbeddingError/corruptCache(file:offset:reason:)`` (delete it to start afresh). Entries of
/// other model ids may share the file: the key includes the id. With ``autosaveRatio`` set, the
/// file is also saved while embedding, so a run killed midway keeps most of its vectors
/// (docs/formats.md §4.3). Thread-safe.
public final class EmbeddingCache: TextEmbedder, @unchecked Sendable {
    public let modelID: String
    public let file: URL?
    private let base: TextEmbedder
    private let lock = NSLock()
    private var entries: [Data: [Float]] = [:]
    private var order: [Data] = []
    private var dirty = false
    /// Texts answered from the cache and texts passed to the wrapped embedder, since creation.
    public private(set) var hits = 0, misses = 0
    /// Save during ``embed(_:)`` once the wrapped embedder has worked at least this many times as
    /// long as the last save took (saving then costs at most 1/ratio of the embedding time);
    /// nil = only explicit ``save()`` calls write the file.
    public var autosaveRatio: Double?
    private var embeddingSinceSave: TimeInterval = 0, lastSaveDuration: TimeInterval = 0

    static let magic = Data("DTEMBC01".utf8)

    /// Loads `file` if it exists. `file == nil` keeps the cache in memory only.
    public init(wrapping base: TextEmbedder, modelID: String, file: URL? = nil) throws {
        self.base = base; self.modelID = modelID; self.file = file
        if let file, FileManager.default.fileExists(atPath: file.path) { try load(file) }
    }

    public var count: Int { lock.lock(); defer { lock.unlock() }; return entries.count }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        let keys = texts.map(key)
        var missing: [String] = []
        var missingKeys: [Data] = []
        lock.lock()
        var seen = Set<Data>()
        for (text, k) in zip(texts, keys) where entries[k] == nil && seen.insert(k).inserted {
            missing.append(text); missingKeys.append(k)
        }
        hits += texts.count - missing.count
        misses += missing.count
        lock.unlock()
        if !missing.isEmpty {
            let started = Date()
            let vectors = try base.embed(missing)
            guard vectors.count == missing.count else {
                throw EmbeddingError.invalidEmbeddings(reason: "\(modelID) returned \(vectors.count) vectors for \(missing.count) texts")
            }
            lock.lock()
            for (k, v) in zip(missingKeys, vectors) where entries[k] == nil { entries[k] = v; order.append(k) }
            dirty = true
            embeddingSinceSave += Date().timeIntervalSince(started)
            let autosave = autosaveRatio.map { embeddingSinceSave >= $0 * lastSaveDuration } ?? false
            lock.unlock()
            if autosave { try save() }
        }
        lock.lock(); defer { lock.unlock() }
        return keys.map { entries[$0] ?? [] }
    }

    /// Writes the cache file (if any, and if anything changed).
    public func save() throws {
        guard let file else { return }
        lock.lock(); defer { lock.unlock() }
        guard dirty else { return }
        let started = Date()
        var out = Self.magic
        for k in order {
            guard let v = entries[k] else { continue }
            out.append(k)
            withUnsafeBytes(of: UInt32(v.count).littleEndian) { out.append(contentsOf: $0) }
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        do { try AtomicFile.write(out, to: file) } catch {
            throw EmbeddingError.unwritable(file: file.path, reason: error.localizedDescription)
        }
        dirty = false
        lastSaveDuration = Date().timeIntervalSince(started)
        embeddingSinceSave = 0
    }

    private func key(_ text: String) -> Data {
        var bytes = Array(modelID.utf8)
        bytes.append(0)
        bytes += Array(text.utf8)
        return Data(SHA256.hash(bytes))
    }

    private func load(_ file: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw EmbeddingError.unreadable(file: file.path, reason: error.localizedDescription)
        }
        let bytes = [UInt8](data)
        func fail(_ offset: Int, _ reason: String) -> EmbeddingError { .corruptCache(file: file.path, offset: offset, reason: reason) }
        guard bytes.count >= 8, Data(bytes[0..<8]) == Self.magic else { throw fail(0, "missing magic \"DTEMBC01\"") }
        var offset = 8
        while offset < bytes.count {
            guard bytes.count - offset >= 36 else { throw fail(offset, "truncated entry header") }
            let k = Data(bytes[offset..<(offset + 32)])
            let count = Int(bytes[offset + 32]) | Int(bytes[offset + 33]) << 8 | Int(bytes[offset + 34]) << 16 | Int(bytes[offset + 35]) << 24
            offset += 36
            guard count <= (bytes.count - offset) / 4 else { throw fail(offset - 4, "vector of \(count) floats runs past the end") }
            var v = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let p = offset + 4 * i
                let bits = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
                v[i] = Float(bitPattern: bits)
            }
            offset += 4 * count
            if entries[k] == nil { order.append(k) }
            entries[k] = v
        }
    }
}
