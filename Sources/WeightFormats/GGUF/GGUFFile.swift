import Foundation

/// One tensor's entry in a GGUF file. `dimensions` are in GGUF order (ne[0], the contiguous
/// axis, first); `shape` is the PyTorch order (reversed), e.g. [out, in] for a weight matrix.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    public let dimensions: [Int]
    public let type: GGMLType
    /// Absolute byte offset of the data in the file.
    public let offset: Int
    public let byteCount: Int

    public var shape: [Int] { dimensions.reversed() }
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Rows of ne[0] elements.
    public var rowCount: Int { elementCount / max(dimensions.first ?? 1, 1) }
    public var rowLength: Int { dimensions.first ?? 1 }
}

/// A GGUF v2/v3 file (ggml `docs/gguf.md`): metadata, tensor table and memory-mapped tensor data.
/// Every count, length and offset read from the file is validated before use.
public final class GGUFFile: @unchecked Sendable {
    public let file: MappedFile
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Keys in file order (for listing).
    public let metadataKeys: [String]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    private let index: [String: Int]

    public var path: String { file.path }

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    public init(path: String) throws {
        file = try MappedFile(path: path)
        var r = ByteReader(file: file, offset: 0)
        let magic = try r.read(UInt32.self)
        guard magic == 0x4655_4747 else { throw WeightFormatError.invalid(path: path, reason: "not a GGUF file (bad magic)") }
        version = try r.read(UInt32.self)
        guard version == 2 || version == 3 else {
            throw WeightFormatError.invalid(path: path, reason: "unsupported GGUF version \(version) (supported: 2, 3)")
        }
        let tensorCount = try r.read(UInt64.self), kvCount = try r.read(UInt64.self)
        // Each entry takes at least 8+4 (kv) / 8+4+4+8 (tensor) bytes: reject counts the file cannot hold.
        guard tensorCount <= UInt64(file.size / 24), kvCount <= UInt64(file.size / 12) else {
            throw WeightFormatError.invalid(path: path, reason: "implausible counts: \(tensorCount) tensors, \(kvCount) metadata entries")
        }
        var metadata: [String: GGUFValue] = [:], keys: [String] = []
        for _ in 0..<kvCount {
            let key = try r.readString(limit: 65_535)
            let type = try r.read(UInt32.self)
            metadata[key] = try Self.readValue(type: type, reader: &r, depth: 0)
            keys.append(key)
        }
        self.metadata = metadata
        self.metadataKeys = keys
        alignment = metadata["general.alignment"]?.intValue ?? 32
        guard alignment > 0, alignment % 8 == 0 else {
            throw WeightFormatError.invalid(path: path, reason: "general.alignment \(alignment) must be a positive multiple of 8")
        }
        var raw: [(String, [Int], UInt32, UInt64)] = []
        for _ in 0..<tensorCount {
            let name = try r.readString(limit: 65_535)
            let nDims = try r.read(UInt32.self)
            guard (1...4).contains(nDims) else {
                throw WeightFormatError.invalid(path: path, reason: "tensor '\(name)' has \(nDims) dimensions (1…4 allowed)")
            }
            var dims: [Int] = []
            for _ in 0..<nDims {
                let d = try r.read(UInt64.self)
                guard d > 0, d <= UInt64(Int32.max) else { throw WeightFormatError.invalid(path: path, reason: "tensor '\(name)' has dimension \(d)") }
                dims.append(Int(d))
            }
            raw.append((name, dims, try r.read(UInt32.self), try r.read(UInt64.self)))
        }
        let dataStart = (r.offset + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = [], index: [String: Int] = [:]
        for (name, dims, typeId, relative) in raw {
            guard let type = GGMLType(rawValue: typeId) else {
                throw WeightFormatError.unsupportedType(path: path, tensor: name, type: "ggml type \(typeId)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw WeightFormatError.invalid(path: path, reason: "tensor '\(name)': row length \(dims[0]) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            let (elements, overflow) = dims.reduce((1, false)) { acc, d in
                let (m, o) = acc.0.multipliedReportingOverflow(by: d)
                return (m, acc.1 || o)
            }
            guard !overflow, relative <= UInt64(file.size) else {
                throw WeightFormatError.invalid(path: path, reason: "tensor '\(name)' has an impossible size or offset")
            }
            let bytes = elements / type.blockSize * type.typeSize
            let offset = dataStart + Int(relative)
            try file.check(offset, bytes)
            guard index[name] == nil else { throw WeightFormatError.invalid(path: path, reason: "duplicate tensor '\(name)'") }
            index[name] = tensors.count
            tensors.append(GGUFTensorInfo(name: name, dimensions: dims, type: type, offset: offset, byteCount: bytes))
        }
        self.tensors = tensors
        self.index = index
    }

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
            guard b <= 1 else { throw WeightFormatError.invalid(path: r.file.path, reason: "bool value \(b) at offset \(r.offset - 1)") }
            return .bool(b == 1)
        case 8: return .string(try r.readString())
        case 9:
            guard depth < 4 else { throw WeightFormatError.invalid(path: r.file.path, reason: "arrays nested too deeply") }
            let elementType = try r.read(UInt32.self)
            let count = try r.read(UInt64.self)
            guard count <= UInt64(r.file.size - r.offset) else {
                throw WeightFormatError.invalid(path: r.file.path, reason: "array of \(count) items at offset \(r.offset - 12) cannot fit in the file")
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

    // MARK: Access

    public func tensorInfo(named name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    public func double(_ key: String) -> Double? { metadata[key]?.doubleValue }
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }
    public func strings(_ key: String) -> [String]? { metadata[key]?.arrayValue?.compactMap(\.stringValue) }
    public func ints(_ key: String) -> [Int]? { metadata[key]?.arrayValue?.compactMap(\.intValue) }
    public func doubles(_ key: String) -> [Double]? { metadata[key]?.arrayValue?.compactMap(\.doubleValue) }

    /// The raw bytes of a tensor inside the mapping.
    public func data(of info: GGUFTensorInfo) throws -> UnsafeRawBufferPointer { try file.bytes(at: info.offset, count: info.byteCount) }

    /// All elements of a tensor as Float32, in row-major PyTorch order.
    public func dequantize(named name: String) throws -> [Float] {
        guard let info = tensorInfo(named: name) else { throw WeightFormatError.missingTensor(path: path, name: name) }
        return try dequantize(info)
    }

    public func dequantize(_ info: GGUFTensorInfo) throws -> [Float] {
        guard info.type.isDequantizable else { throw WeightFormatError.unsupportedType(path: path, tensor: info.name, type: info.type.name) }
        let bytes = try data(of: info)
        var out = [Float](repeating: 0, count: info.elementCount)
        out.withUnsafeMutableBufferPointer { dst in
            Dequantizer.rows(info.type, bytes.baseAddress!, rows: 0..<info.rowCount, rowLength: info.rowLength, into: dst.baseAddress!)
        }
        return out
    }

    /// Rows `rows` (of ne[0] elements) dequantized into `destination` (rows.count × rowLength floats).
    public func dequantizeRows(_ info: GGUFTensorInfo, rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard info.type.isDequantizable else { throw WeightFormatError.unsupportedType(path: path, tensor: info.name, type: info.type.name) }
        guard rows.lowerBound >= 0, rows.upperBound <= info.rowCount, destination.count >= rows.count * info.rowLength else {
            throw WeightFormatError.invalid(path: path, reason: "row range \(rows) is outside tensor '\(info.name)' (\(info.rowCount) rows) or the destination is too small")
        }
        let bytes = try data(of: info)
        Dequantizer.rows(info.type, bytes.baseAddress!, rows: rows, rowLength: info.rowLength, into: destination.baseAddress!)
    }
}
