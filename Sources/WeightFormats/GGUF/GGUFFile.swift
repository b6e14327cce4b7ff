import Foundation

/// A GGUF v2/v3 file (ggml `docs/gguf.md`, `include/gguf.h`), memory-mapped:
///
///     u32 magic "GGUF" · u32 version · u64 tensor_count · u64 metadata_kv_count
///     metadata_kv_count × { gguf_string key · u32 value_type · value }
///     tensor_count × { gguf_string name · u32 n_dims · u64 ne[n_dims] · u32 ggml_type · u64 offset }
///     0x00 padding to ALIGNMENT (`general.alignment`, default 32) · tensor data
///
/// Every count, length, dimension and offset read from the file is validated before use; a
/// truncated or corrupt file throws a ``WeightFormatError`` naming the file and the problem.
/// Tensor data stays in the mapping: dequantize whole tensors, row ranges, or multiply directly
/// from the quantized blocks (`GGUFFile+Tensors.swift`).
///
///     let gguf = try GGUFFile(url: url)
///     gguf.string("general.architecture")          // "llama"
///     let w = try gguf.dequantize(named: "blk.0.attn_q.weight")
public final class GGUFFile: @unchecked Sendable {
    public let file: MappedFile
    /// 2 or 3 (both share this layout; v1 used 32-bit counts and is rejected).
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensor table in file order.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32.
    public let alignment: Int
    /// Absolute offset of the tensor data section.
    public let dataOffset: Int
    let index: [String: Int]

    public var path: String { file.path }

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    public convenience init(path: String) throws { try self.init(file: MappedFile(path: path)) }

    /// Parses a mapped (or in-memory, ``MappedFile/init(data:name:)``) file.
    public init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        func invalid(_ reason: String) -> WeightFormatError { .invalid(path: path, reason: reason) }
        var r = ByteReader(file: file, offset: 0)
        guard try r.read(UInt32.self) == 0x4655_4747 else { throw invalid("not a GGUF file (bad magic)") }
        version = try r.read(UInt32.self)
        guard version == 2 || version == 3 else { throw invalid("unsupported GGUF version \(version) (supported: 2, 3)") }
        let tensorCount = try r.read(UInt64.self), kvCount = try r.read(UInt64.self)
        // A metadata entry takes ≥ 13 bytes and a tensor entry ≥ 24: reject counts the file cannot hold
        // before allocating anything for them.
        guard tensorCount <= UInt64(file.size / 24), kvCount <= UInt64(file.size / 13) else {
            throw invalid("implausible counts: \(tensorCount) tensors and \(kvCount) metadata entries in a \(file.size)-byte file")
        }

        var metadata: [String: GGUFValue] = [:], keys: [String] = []
        for _ in 0..<kvCount {
            let key = try r.readString(limit: 65_535, what: "metadata key")
            let type = try r.read(UInt32.self)
            guard metadata[key] == nil else { throw invalid("duplicate metadata key '\(key)'") }
            metadata[key] = try Self.readValue(type: type, reader: &r, depth: 0)
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys
        if let value = metadata["general.alignment"] {
            guard let a = value.intValue, a > 0, a % 8 == 0, a <= 1 << 20 else {
                throw invalid("general.alignment \(value.summary) must be a positive multiple of 8")
            }
            alignment = a
        } else {
            alignment = 32
        }

        var table: [(name: String, dims: [Int], type: UInt32, offset: UInt64)] = []
        table.reserveCapacity(Int(tensorCount))
        for _ in 0..<tensorCount {
            let name = try r.readString(limit: 65_535, what: "tensor name")
            let nDims = try r.read(UInt32.self)
            guard nDims <= 4 else { throw invalid("tensor '\(name)' has \(nDims) dimensions (at most 4)") }
            var dims: [Int] = []
            for _ in 0..<nDims {
                let d = try r.read(UInt64.self)
                guard d > 0, d <= UInt64(Int32.max) else { throw invalid("tensor '\(name)' has dimension \(d)") }
                dims.append(Int(d))
            }
            table.append((name, dims, try r.read(UInt32.self), try r.read(UInt64.self)))
        }
        dataOffset = (r.offset + alignment - 1) / alignment * alignment

        var tensors: [GGUFTensorInfo] = [], index: [String: Int] = [:]
        for entry in table {
            let name = entry.name
            guard let type = GGMLType(rawValue: entry.type) else {
                throw WeightFormatError.unsupportedType(path: path, tensor: name, type: "unknown ggml type \(entry.type)")
            }
            guard entry.dims.first.map({ $0 % type.blockSize == 0 }) ?? (type.blockSize == 1) else {
                throw invalid("tensor '\(name)': row length \(entry.dims.first ?? 1) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            var elements = 1
            for d in entry.dims {
                let (m, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw invalid("tensor '\(name)' has an impossible shape \(entry.dims)") }
                elements = m
            }
            let (bytes, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.typeSize)
            guard !overflow, entry.offset <= UInt64(file.size) else {
                throw invalid("tensor '\(name)' has data offset \(entry.offset) past the end of the \(file.size)-byte file")
            }
            guard entry.offset % UInt64(alignment) == 0 else {
                throw invalid("tensor '\(name)' data offset \(entry.offset) is not a multiple of the alignment \(alignment)")
            }
            let offset = dataOffset + Int(entry.offset)
            try file.check(offset, bytes)
            guard index[name] == nil else { throw invalid("duplicate tensor '\(name)'") }
            index[name] = tensors.count
            tensors.append(GGUFTensorInfo(name: name, dimensions: entry.dims, type: type, offset: offset, byteCount: bytes))
        }
        let ranges = tensors.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(ranges, ranges.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw invalid("the data of tensors '\(a.name)' and '\(b.name)' overlap")
        }
        self.tensors = tensors
        self.index = index
    }

    /// Metadata arrays hold at most this many items (vocabularies have ~10^5 tokens).
    static let maxArrayCount = 1 << 24

    /// The fewest bytes a value of wire type `type` takes (1 for an unknown type, refused when read).
    static func minimumSize(ofType type: UInt32) -> Int {
        switch type {
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8   // a string is at least its u64 length
        case 9: return 12              // u32 item type + u64 count
        default: return 1
        }
    }

    /// One metadata value of wire type `type` (arrays recurse, at most 4 levels deep).
    private static func readValue(type: UInt32, reader r: inout ByteReader, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try r.read(UInt8.self)))
        case 1: return .int(Int64(try r.read(Int8.self)))
        case 2: return .uint(UInt64(try r.read(UInt16.self)))
        case 3: return .int(Int64(try r.read(Int16.self)))
        case 4: return .uint(UInt64(try r.read(UInt32.self)))
        case 5: return .int(Int64(try r.read(Int32.self)))
        case 6: return .float(Double(try r.readFloat()))
        case 7:
            let b = try r.read(UInt8.self)
            guard b <= 1 else { throw WeightFormatError.invalid(path: r.file.path, reason: "bool value \(b) at offset \(r.offset - 1) (must be 0 or 1)") }
            return .bool(b == 1)
        case 8: return .string(try r.readString())
        case 9:
            guard depth < 4 else { throw WeightFormatError.invalid(path: r.file.path, reason: "metadata arrays nested deeper than 4 levels at offset \(r.offset)") }
            let elementType = try r.read(UInt32.self)
            let count = try r.read(UInt64.self)
            // Each item is held in a 24-byte GGUFValue: check the declared count against the bytes its
            // items need at least, and against a cap, before reserving room for it.
            let needed = count.multipliedReportingOverflow(by: UInt64(minimumSize(ofType: elementType)))
            guard !needed.overflow, needed.partialValue <= UInt64(r.file.size - r.offset) else {
                throw WeightFormatError.invalid(path: r.file.path, reason: "array of \(count) items at offset \(r.offset - 12) cannot fit in the file "
                    + "(needs at least \(needed.overflow ? "2^64" : String(needed.partialValue)) bytes, \(r.file.size - r.offset) are left)")
            }
            guard count <= UInt64(maxArrayCount) else {
                throw WeightFormatError.invalid(path: r.file.path, reason: "array of \(count) items at offset \(r.offset - 12) is above the limit of \(maxArrayCount) items")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count { items.append(try readValue(type: elementType, reader: &r, depth: depth + 1)) }
            return .array(items)
        case 10: return .uint(try r.read(UInt64.self))
        case 11: return .int(try r.read(Int64.self))
        case 12: return .float(try r.readDouble())
        default: throw WeightFormatError.invalid(path: r.file.path, reason: "unknown metadata value type \(type) at offset \(r.offset - 4)")
        }
    }
}

// MARK: - Metadata accessors

extension GGUFFile {
    /// `metadata[key]` as a String (nil when absent or another type).
    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    /// Any integer type (u32 and u64 counts alike), or a bool as 0/1.
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    /// Any number (FLOAT32 values are exact).
    public func float(_ key: String) -> Float? { metadata[key]?.floatValue }
    public func double(_ key: String) -> Double? { metadata[key]?.doubleValue }
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }
    /// An array of strings; nil when absent or when any element is not a string.
    public func stringArray(_ key: String) -> [String]? { metadata[key]?.elements(\.stringValue) }
    /// An array of integers; nil when absent or when any element is not an integer.
    public func intArray(_ key: String) -> [Int]? { metadata[key]?.elements(\.intValue) }
    /// An array of numbers as Float; nil when absent or when any element is not a number.
    public func floatArray(_ key: String) -> [Float]? { metadata[key]?.elements(\.floatValue) }

    /// Same as ``stringArray(_:)``.
    public func strings(_ key: String) -> [String]? { stringArray(key) }
    /// Same as ``intArray(_:)``.
    public func ints(_ key: String) -> [Int]? { intArray(key) }
    /// An array of numbers as Double.
    public func doubles(_ key: String) -> [Double]? { metadata[key]?.elements(\.doubleValue) }
}
