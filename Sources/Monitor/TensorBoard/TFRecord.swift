import Base
import Foundation

/// TFRecord framing, the layout of a TensorBoard event file (docs/formats.md §4.5.1): each record
/// is its length (u64 LE), the masked CRC-32C of those 8 bytes (u32 LE), the payload, and the
/// payload's masked CRC-32C. There is no header; a file is records back to back.
public enum TFRecord {
    /// `payload` framed as one record.
    public static func frame(_ payload: [UInt8]) -> Data {
        var record = Data(capacity: payload.count + 16)
        let length = withUnsafeBytes(of: UInt64(payload.count).littleEndian) { Array($0) }
        record.append(contentsOf: length)
        withUnsafeBytes(of: CRC32C.maskedChecksum(length).littleEndian) { record.append(contentsOf: $0) }
        record.append(contentsOf: payload)
        withUnsafeBytes(of: CRC32C.maskedChecksum(payload).littleEndian) { record.append(contentsOf: $0) }
        return record
    }

    /// The payloads of the complete records in `bytes`, and the byte count they span. A record
    /// cut off by the end of the file is one still being written (or cut by a kill): it is left
    /// out, as TensorBoard's reader does. A checksum that does not match is data loss, an error
    /// naming `path` and the record's offset.
    public static func records(in bytes: [UInt8], path: String) throws -> (payloads: [ArraySlice<UInt8>], completeLength: Int) {
        var payloads: [ArraySlice<UInt8>] = []
        var offset = 0
        func u32(at i: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << UInt32(8 * $1) } }
        while bytes.count - offset >= 12 {
            let lengthBytes = bytes[offset..<offset + 8]
            guard CRC32C.maskedChecksum(lengthBytes) == u32(at: offset + 8) else {
                throw FileError(path: path, reason: "the record at byte \(offset) has a damaged length (its checksum does not match)")
            }
            let length = lengthBytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
            let available = UInt64(bytes.count - offset - 12)   // payload and its checksum
            guard available >= 4, length <= available - 4 else { break }   // cut off: not written yet
            let start = offset + 12, end = start + Int(length)
            guard CRC32C.maskedChecksum(bytes[start..<end]) == u32(at: end) else {
                throw FileError(path: path, reason: "the record at byte \(offset) is damaged (its checksum does not match)")
            }
            payloads.append(bytes[start..<end])
            offset = end + 4
        }
        return (payloads, offset)
    }
}
