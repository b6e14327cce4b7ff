import ArgumentParser
import Foundation

/// Reading JSON Lines input files for the CLI: one object per line, blank lines skipped, and every
/// problem reported as `FILE:LINE: reason`.
enum JSONLines {
    static func error(_ file: String, _ line: Int, _ reason: String) -> ValidationError {
        ValidationError("\(file):\(line): \(reason)")
    }

    /// Each non-blank line's 1-based number and object, transformed by `body`.
    static func read<T>(_ path: String, _ body: (Int, [String: Any]) throws -> T) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the file") }
        var results: [T] = []
        var number = 0
        for slice in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            guard slice.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) else { continue }
            guard String(validatingUTF8: Array(slice).map { CChar(bitPattern: $0) } + [0]) != nil else {
                throw error(path, number, "invalid UTF-8")
            }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(slice)) } catch {
                throw Self.error(path, number, "malformed JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "parse error"))")
            }
            guard let dict = object as? [String: Any] else { throw error(path, number, "expected a JSON object") }
            results.append(try body(number, dict))
        }
        return results
    }
}
