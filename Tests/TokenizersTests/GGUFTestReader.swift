import Foundation

/// TEST-ONLY minimal GGUF v2/v3 metadata reader (docs/formats.md §2.1): header, then the key/value
/// pairs; tensor infos are not read. The Tokenizers target must not depend on WeightFormats, so the
/// tests that need SmolLM2's real vocabulary read it with this. Values kept: strings, integers,
/// bools, and arrays of strings or integers.
struct GGUFTestReader {
    enum Value { case string(String), int(Int), bool(Bool), strings([String]), ints([Int]), other }
    struct Failure: Error, CustomStringConvertible { let description: String }

    private(set) var values: [String: Value] = [:]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        var r = Cursor(data: data)
        guard try r.u32() == 0x4655_4747 else { throw Failure(description: "\(path): not a GGUF file") }
        let version = try r.u32()
        guard version == 2 || version == 3 else { throw Failure(description: "\(path): GGUF version \(version)") }
        _ = try r.u64()                       // tensor count
        let count = try r.u64()
        for _ in 0..<count {
            let key = try r.string()
            values[key] = try r.value(type: try r.u32())
        }
    }

    func string(_ key: String) -> String? { if case let .string(s)? = values[key] { return s } else { return nil } }
    func int(_ key: String) -> Int? { if case let .int(i)? = values[key] { return i } else { return nil } }
    func bool(_ key: String) -> Bool? { if case let .bool(b)? = values[key] { return b } else { return nil } }
    func strings(_ key: String) -> [String]? { if case let .strings(s)? = values[key] { return s } else { return nil } }
    func ints(_ key: String) -> [Int]? { if case let .ints(i)? = values[key] { return i } else { return nil } }

    private struct Cursor {
        let data: Data
        var offset = 0

        mutating func bytes(_ n: Int) throws -> Data {
            guard n >= 0, offset + n <= data.count else { throw Failure(description: "truncated at byte \(offset)") }
            defer { offset += n }
            return data[data.startIndex + offset ..< data.startIndex + offset + n]
        }
        mutating func int(_ n: Int) throws -> UInt64 {
            try bytes(n).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        mutating func u32() throws -> UInt32 { UInt32(try int(4)) }
        mutating func u64() throws -> UInt64 { try int(8) }
        mutating func string() throws -> String {
            let n = try u64()
            guard n < UInt64(data.count) else { throw Failure(description: "string length \(n) at byte \(offset)") }
            return String(decoding: try bytes(Int(n)), as: UTF8.self)
        }
        /// Scalar of `type` as an Int, or nil for non-integer scalar types.
        mutating func scalar(type: UInt32) throws -> Int? {
            switch type {
            case 0, 7: return Int(try int(1))
            case 1: return Int(Int8(truncatingIfNeeded: try int(1)))
            case 2: return Int(try int(2))
            case 3: return Int(Int16(truncatingIfNeeded: try int(2)))
            case 4: return Int(try int(4))
            case 5: return Int(Int32(truncatingIfNeeded: try int(4)))
            case 10, 11: return Int(truncatingIfNeeded: try int(8))
            case 6: _ = try bytes(4); return nil
            case 12: _ = try bytes(8); return nil
            default: throw Failure(description: "value type \(type) at byte \(offset)")
            }
        }
        mutating func value(type: UInt32) throws -> Value {
            switch type {
            case 8: return .string(try string())
            case 7: return .bool(try scalar(type: type) != 0)
            case 9:
                let element = try u32()
                let n = try u64()
                guard n < UInt64(data.count) else { throw Failure(description: "array length \(n) at byte \(offset)") }
                if element == 8 { return .strings(try (0..<n).map { _ in try string() }) }
                var ints: [Int] = []
                for _ in 0..<n { if let v = try scalar(type: element) { ints.append(v) } }
                return ints.count == Int(n) ? .ints(ints) : .other
            default: return try scalar(type: type).map { .int($0) } ?? .other
            }
        }
    }
}
