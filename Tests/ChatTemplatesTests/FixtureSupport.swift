import Foundation
import Testing
@testable import ChatTemplates

/// The fixtures written by scripts/reference/chat_templates_reference.py.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return folder.appendingPathComponent(name)
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }

    /// A fixture JSON document, read with key order preserved.
    static func json(_ name: String) throws -> JinjaValue {
        try JinjaValue(json: text(name))
    }

    /// The reference script's fixed clock: 2026-11-22 09:05:07 (rendered in UTC here).
    static let now = Date(timeIntervalSince1970: 1_795_338_307)
    static let utc = TimeZone(identifier: "UTC")!
}

extension JinjaValue {
    subscript(key: String) -> JinjaValue {
        if case let .object(o) = self { return o[key] ?? .undefined }
        return .undefined
    }

    var arrayValue: [JinjaValue] {
        if case let .array(a) = self { return a }
        return []
    }
}
