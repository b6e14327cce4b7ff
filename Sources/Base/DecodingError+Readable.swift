import Foundation

extension DecodingError {
    /// The error in words: which field is missing or of the wrong type, or that the text is not
    /// JSON at all ("missing field \"run\"", "field \"samples[2]\" should be String").
    public var readableDescription: String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "the top level" : "field \"" + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[") + "\""
        }
        switch self {
        case let .keyNotFound(key, context): return "missing field \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\""
        case let .typeMismatch(type, context): return "\(path(context.codingPath)) should be \(type)"
        case let .valueNotFound(type, context): return "\(path(context.codingPath)) is null, expected \(type)"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(self)"
        }
    }
}
