import Base
import Foundation

/// One tensor of a safetensors header, validated against the file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Row-major (C order) shape; `[]` for a scalar.
    public let shape: [Int]
    /// Absolute byte offset of the data in the file (`8 + N + BEGIN`).
    public let offset: Int
    /// `END − BEGIN` = `prod(shape) · dtype.size`.
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file (`huggingface/safetensors` README, "Format"):
///
///     u64 N (little-endian) · N bytes of UTF-8 JSON (starts with '{', may be space-padded) · data
///
/// The header maps tensor names to `{"dtype", "shape", "data_offsets": [BEGIN, END]}` (offsets
/// relative to the data buffer) plus an optional `"__metadata__"` string map. It is validated in
/// full before any tensor is read: a JSON object of at most 100 MB, known dtypes, non-negative
/// shapes, `BEGIN <= END <= buffer size`, `END − BEGIN == prod(shape)·sizeof(dtype)`, no
/// overlapping ranges. Tensors of every dtype are listed; F32, F16 and BF16 can be read as Float32
/// (``floats(named:)``), others throw ``WeightFormatError/unsupportedType(path:tensor:type:)``.
public final class SafetensorsFile: @unchecked Sendable {
    public let file: MappedFile
    public let tensors: [String: SafetensorsTensorInfo]
    /// `__metadata__` (e.g. `["format": "pt"]`).
    public let metadata: [String: String]
    public var path: String { file.path }

    /// The reference implementation's header cap.
    public static let maximumHeaderSize = 100_000_000

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    public convenience init(path: String) throws { try self.init(file: MappedFile(path: path)) }

    /// Parses a mapped (or in-memory, ``MappedFile/init(data:name:)``) file.
    public init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        func invalid(_ reason: String) -> WeightFormatError { .invalid(path: path, reason: reason) }
        var reader = ByteReader(file: file, offset: 0)
        let headerSize = try reader.read(UInt64.self)
        guard headerSize >= 2, headerSize <= UInt64(Self.maximumHeaderSize) else {
            throw invalid("header size \(headerSize) is out of range (2…\(Self.maximumHeaderSize) bytes)")
        }
        let headerBytes = try file.bytes(at: 8, count: Int(headerSize))
        guard headerBytes.first == UInt8(ascii: "{") else { throw invalid("header does not start with '{'") }
        guard let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any] else {
            throw invalid("header is not a JSON object")
        }
        // A repeated tensor name would hide one entry (the safetensors library refuses such headers).
        if let key = JSONDuplicateKeys.first(in: Data(headerBytes)) { throw invalid("header names '\(key)' twice") }
        let dataStart = 8 + Int(headerSize)
        let bufferSize = file.size - dataStart
        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw invalid("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v as? String else { throw invalid("__metadata__ value of '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = Self.integers(entry["shape"]), let offsets = Self.integers(entry["data_offsets"]), offsets.count == 2 else {
                throw invalid("tensor '\(name)': the header entry needs dtype, an integer shape and two data_offsets")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw WeightFormatError.unsupportedType(path: path, tensor: name, type: "unknown dtype \(dtypeName)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= bufferSize else {
                throw invalid("tensor '\(name)': data_offsets [\(begin), \(end)] outside the \(bufferSize)-byte data buffer")
            }
            var count = 1
            for d in shape {
                let (m, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow else { throw invalid("tensor '\(name)': impossible shape \(shape)") }
                count = m
            }
            guard count.multipliedReportingOverflow(by: dtype.size) == (end - begin, false) else {
                throw invalid("tensor '\(name)': \(end - begin) bytes do not hold shape \(shape) of \(dtypeName)")
            }
            tensors[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: end - begin)
        }
        let ranges = tensors.values.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(ranges, ranges.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw invalid("the data of tensors '\(a.name)' and '\(b.name)' overlap")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Integers of a JSON array (nil if any item is not an exact integer).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let items = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in items {
            guard let i = item as? Int else { return nil }
            out.append(i)
        }
        return out
    }

    /// Tensors in data order (as the file stores them).
    public var orderedTensors: [SafetensorsTensorInfo] { tensors.values.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) } }

    /// The raw bytes of a tensor: a slice of the mapping, valid while this file is alive.
    public func bytes(of info: SafetensorsTensorInfo) throws -> UnsafeRawBufferPointer { try file.bytes(at: info.offset, count: info.byteCount) }

    /// A tensor's elements as Float32, row-major. F16 and BF16 are widened exactly
    /// (BF16 → F32 is `bits << 16`); other dtypes throw.
    public func floats(named name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw WeightFormatError.missingTensor(path: path, name: name) }
        return try floats(info)
    }

    public func floats(_ info: SafetensorsTensorInfo) throws -> [Float] {
        guard info.dtype.isFloatConvertible else {
            throw WeightFormatError.unsupportedType(path: path, tensor: info.name, type: "\(info.dtype.rawValue) (readable: F32, F16, BF16)")
        }
        let bytes = try bytes(of: info)
        let n = info.byteCount / info.dtype.size
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            if let src = bytes.baseAddress, let dst = out.baseAddress, n > 0 {
                Dequantizer.parallelRows((n + 4095) / 4096, work: n) { chunks in
                    let lo = chunks.lowerBound * 4096, hi = min(n, chunks.upperBound * 4096)
                    switch info.dtype {
                    case .f32: Dequantizer.row(.f32, src + 4 * lo, blocks: hi - lo, dst + lo)
                    case .f16: Dequantizer.row(.f16, src + 2 * lo, blocks: hi - lo, dst + lo)
                    default: Dequantizer.row(.bf16, src + 2 * lo, blocks: hi - lo, dst + lo)
                    }
                }
            }
            initialized = n
        }
    }
}
