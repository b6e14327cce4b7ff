import Base
import Foundation

/// Writes safetensors files (format: ``SafetensorsFile``) atomically via ``AtomicFile``: a crash
/// or a full disk mid-write leaves any previous file at the destination intact.
///
///     try SafetensorsWriter.write(tensors: [(name: "w", shape: [2, 3], values: w)],
///                                 dtype: .bf16, metadata: ["format": "pt"], to: url)
///
/// Tensors are stored in the order given; the JSON header has sorted keys and is space-padded
/// so the data buffer starts 8-byte aligned (as the reference writer does). F16 and BF16 round
/// to nearest even.
public enum SafetensorsWriter {
    public typealias Tensor = (name: String, shape: [Int], values: [Float])

    public static func write(tensors: [Tensor], dtype: SafetensorsDType = .f32, metadata: [String: String] = [:], to url: URL) throws {
        func failure(_ reason: String) -> WeightFormatError { .writeFailed(path: url.path, reason: reason) }
        guard dtype.isFloatConvertible else { throw failure("cannot write dtype \(dtype.rawValue) (writable: F32, F16, BF16)") }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for t in tensors {
            guard !t.name.isEmpty, t.name != "__metadata__", header[t.name] == nil else { throw failure("invalid or duplicate tensor name '\(t.name)'") }
            guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.values.count else {
                throw failure("tensor '\(t.name)' has \(t.values.count) values for shape \(t.shape)")
            }
            let size = t.values.count * dtype.size
            header[t.name] = ["dtype": dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }

        try AtomicFile.write(to: url) { sink in
            try withUnsafeBytes(of: UInt64(json.count).littleEndian) { try sink($0) }
            try json.withUnsafeBytes { try sink($0) }
            for t in tensors { try encode(t.values, as: dtype, into: sink) }
        }
    }

    /// Streams `values` in `dtype` (little-endian) through `sink`, 64K elements at a time.
    private static func encode(_ values: [Float], as dtype: SafetensorsDType, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try values.withUnsafeBufferPointer { v in
            if dtype == .f32 { return try sink(UnsafeRawBufferPointer(v)) }   // little-endian host
            let chunk = 1 << 16
            var buffer = [UInt16](repeating: 0, count: min(chunk, v.count))
            var start = 0
            while start < v.count {
                let n = min(chunk, v.count - start)
                for i in 0..<n { buffer[i] = dtype == .f16 ? Float16(v[start + i]).bitPattern : bfloat16(v[start + i]) }
                try buffer.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.prefix(2 * n))) }
                start += n
            }
        }
    }

    /// Float32 → BF16 bits, rounding to nearest even (NaN stays a quiet NaN).
    static func bfloat16(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        if v.isNaN { return UInt16(bits >> 16) | 0x40 }
        return UInt16((bits &+ (0x7FFF + ((bits >> 16) & 1))) >> 16)
    }
}
