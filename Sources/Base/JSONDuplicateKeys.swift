import Foundation

/// Finds an object key that appears twice in one JSON object. Readers disagree on such files —
/// Python's `json` (and so transformers) keeps the last value, Foundation's decoders the first —
/// so a model config, a safetensors header or a data row with a repeated key would silently mean
/// something else here than in the reference code; DivTune refuses them (docs/bad-inputs.md).
public enum JSONDuplicateKeys {
    /// The first repeated key of `data` as a path (`model.vocab.a`, `messages[1].content`), or nil.
    /// `data` must be valid JSON (parse it first); the scan only tracks strings and nesting.
    public static func first(in data: Data) -> String? {
        data.withUnsafeBytes { first(in: $0.bindMemory(to: UInt8.self)) }
    }

    private struct Frame {
        var path: String
        var isObject: Bool
        var keys: Set<String> = []
        var expectingKey: Bool
        var lastKey: String?
        /// The index of the array element being read.
        var index = 0
    }

    private static func first(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var stack: [Frame] = []
        var i = 0
        func childPath() -> String {
            guard let top = stack.last else { return "" }
            guard top.isObject else { return "\(top.path)[\(top.index)]" }
            guard let key = top.lastKey else { return top.path }
            return top.path.isEmpty ? key : "\(top.path).\(key)"
        }
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"):
                stack.append(Frame(path: childPath(), isObject: true, expectingKey: true))
            case UInt8(ascii: "["):
                stack.append(Frame(path: childPath(), isObject: false, expectingKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                guard let top = stack.last else { break }
                if top.isObject { stack[stack.count - 1].expectingKey = true } else { stack[stack.count - 1].index += 1 }
            case UInt8(ascii: ":"):
                if stack.last?.isObject == true { stack[stack.count - 1].expectingKey = false }
            case UInt8(ascii: "\""):
                let start = i
                i += 1
                var escaped = false
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") || escaped {
                    escaped = !escaped && bytes[i] == UInt8(ascii: "\\")
                    i += 1
                }
                guard let top = stack.last, top.isObject, top.expectingKey else { break }
                let raw = Data(bytes[start...min(i, bytes.count - 1)])
                // Escapes are decoded so that "a" and "\u0061" count as the same key.
                let key = (try? JSONSerialization.jsonObject(with: raw, options: .fragmentsAllowed) as? String) ?? String(decoding: raw, as: UTF8.self)
                if !stack[stack.count - 1].keys.insert(key).inserted {
                    return top.path.isEmpty ? key : "\(top.path).\(key)"
                }
                stack[stack.count - 1].lastKey = key
            default:
                break
            }
            i += 1
        }
        return nil
    }
}
