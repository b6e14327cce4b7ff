import Foundation

/// Writes safetensors files atomically: the bytes go to a temporary file in the destination's
/// folder, are flushed to disk, and only then renamed over the destination — a crash or a full
/// disk leaves the previous file intact.
public enum SafetensorsWriter {
    public struct Entry {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) { self.name = name; self.shape = shape; self.values = values }
    }

    public static func write(_ entries: [Entry], dtype: SafetensorsDType = .f32, metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for e in entries.sorted(by: { $0.name < $1.name }) {
            guard e.shape.reduce(1, *) == e.values.count else {
                throw WeightFormatError.writeFailed(path: url.path, reason: "tensor '\(e.name)' has \(e.values.count) values for shape \(e.shape)")
            }
            let size = e.values.count * dtype.size
            header[e.name] = ["dtype": dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }   // pad so the data starts 8-aligned
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for e in entries.sorted(by: { $0.name < $1.name }) {
            switch dtype {
            case .f32: e.values.withUnsafeBytes { data.append(contentsOf: $0) }
            case .f16: data.append(contentsOf: e.values.flatMap { v in withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { Array($0) } })
            case .bf16: data.append(contentsOf: e.values.flatMap { v in withUnsafeBytes(of: bfloat16(v).littleEndian) { Array($0) } })
            }
        }
        try AtomicFile.write(data, to: url)
    }

    /// Round-to-nearest-even Float32 → BF16 bits.
    static func bfloat16(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        if v.isNaN { return UInt16(bits >> 16) | 0x40 }
        return UInt16((bits &+ (0x7FFF + ((bits >> 16) & 1))) >> 16)
    }
}

/// Atomic replace-by-rename for every file DivTune writes (checkpoints, adapters, caches).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw WeightFormatError.writeFailed(path: temporary.path, reason: "cannot create the temporary file")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, url.path) != 0 {
                throw WeightFormatError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let e = error as? WeightFormatError { throw e }
            throw WeightFormatError.writeFailed(path: url.path, reason: "\(error)")
        }
    }
}
