/// Human-readable `DecodingError`s: which field, and what was wrong with it.
enum JSONErrors {
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "the top level" : "field \"" + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[") + "\""
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\""
        case let .typeMismatch(type, context): return "\(path(context.codingPath)) should be \(type)"
        case let .valueNotFound(type, context): return "\(path(context.codingPath)) is null, expected \(type)"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
