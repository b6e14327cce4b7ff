import Foundation

/// Element types DivTune reads from and writes to safetensors.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"
    public var size: Int { self == .f32 ? 4 : 2 }
}

public struct SafetensorsTensorInfo: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Absolute byte range in the file.
    public let offset: Int
    public let byteCount: Int
}

/// A memory-mapped safetensors file (`huggingface/safetensors` README, "Format"): u64 header size,
/// JSON header, packed little-endian data. The header is validated fully — JSON object, size cap,
/// offsets inside the buffer, sizes equal to shape × dtype, no overlaps — before any tensor is read.
public final class SafetensorsFile: @unchecked Sendable {
    public let file: MappedFile
    public let tensors: [String: SafetensorsTensorInfo]
    public let metadata: [String: String]
    public var path: String { file.path }

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    public init(path: String) throws {
        file = try MappedFile(path: path)
        var reader = ByteReader(file: file, offset: 0)
        let headerSize = try reader.read(UInt64.self)
        guard headerSize <= 100_000_000, headerSize >= 2 else {
            throw WeightFormatError.invalid(path: path, reason: "header size \(headerSize) is out of range")
        }
        let headerBytes = try file.bytes(at: 8, count: Int(headerSize))
        guard headerBytes.first == UInt8(ascii: "{") else { throw WeightFormatError.invalid(path: path, reason: "header does not start with '{'") }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else {
            throw WeightFormatError.invalid(path: path, reason: "header is not a JSON object")
        }
        let dataStart = 8 + Int(headerSize)
        let bufferSize = file.size - dataStart
        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw WeightFormatError.invalid(path: path, reason: "tensor '\(name)': header entry needs dtype, shape and data_offsets")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw WeightFormatError.unsupportedType(path: path, tensor: name, type: "\(dtypeName) (supported: F32, F16, BF16)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, begin <= end, end <= bufferSize else {
                throw WeightFormatError.invalid(path: path, reason: "tensor '\(name)': data_offsets [\(begin), \(end)] outside the \(bufferSize)-byte buffer")
            }
            let count = shape.reduce(1, *)
            guard count * dtype.size == end - begin else {
                throw WeightFormatError.invalid(path: path, reason: "tensor '\(name)': \(end - begin) bytes for shape \(shape) of \(dtypeName)")
            }
            tensors[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: end - begin)
        }
        let ranges = tensors.values.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(ranges, ranges.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw WeightFormatError.invalid(path: path, reason: "tensors '\(a.name)' and '\(b.name)' overlap")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// A tensor's elements as Float32 (row-major).
    public func floats(named name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw WeightFormatError.missingTensor(path: path, name: name) }
        let bytes = try file.bytes(at: info.offset, count: info.byteCount)
        let n = info.byteCount / info.dtype.size
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            switch info.dtype {
            case .f32: for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .f16: for i in 0..<n { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
            case .bf16: for i in 0..<n { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
            }
            initialized = n
        }
    }
}
