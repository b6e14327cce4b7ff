import Foundation

/// A problem with a command's input, naming the file and (1-based) line.
struct InputError: Error, CustomStringConvertible {
    let file: String
    let line: Int?
    let reason: String
    var description: String { line.map { "\(file):\($0): \(reason)" } ?? "\(file): \(reason)" }
}

/// Reads JSON Lines input for the CLI: one object per line, blank lines skipped; invalid UTF-8,
/// malformed JSON and non-objects are errors naming the file and line.
enum JSONLinesInput {
    static func objects(_ url: URL) throws -> [(line: Int, object: [String: Any])] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw InputError(file: url.path, line: nil, reason: "cannot read the file")
        }
        var result: [(Int, [String: Any])] = []
        var number = 0
        for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            var bytes = Data(raw)
            if bytes.last == 0x0D { bytes.removeLast() }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard String(data: bytes, encoding: .utf8) != nil else {
                throw InputError(file: url.path, line: number, reason: "invalid UTF-8")
            }
            let value: Any
            do { value = try JSONSerialization.jsonObject(with: bytes) } catch {
                throw InputError(file: url.path, line: number, reason: "malformed JSON")
            }
            guard let object = value as? [String: Any] else {
                throw InputError(file: url.path, line: number, reason: "expected a JSON object")
            }
            result.append((number, object))
        }
        return result
    }

    /// `object[key]` as a string, or an error naming the line.
    static func string(_ object: [String: Any], _ key: String, file: URL, line: Int) throws -> String {
        guard let value = object[key] else { throw InputError(file: file.path, line: line, reason: "missing field \"\(key)\"") }
        guard let text = value as? String else { throw InputError(file: file.path, line: line, reason: "field \"\(key)\" must be a string") }
        return text
    }
}
