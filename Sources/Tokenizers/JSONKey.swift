/// A string coding key, for decoding `tokenizer.json` objects whose `"type"` decides the rest.
struct JSONKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension KeyedDecodingContainer where K == JSONKey {
    /// The component's `"type"` discriminator.
    func componentType() throws -> String { try decode(String.self, forKey: JSONKey("type")) }

    func value<T: Decodable>(_ key: String, default value: T) throws -> T {
        try decodeIfPresent(T.self, forKey: JSONKey(key)) ?? value
    }

    func value<T: Decodable>(_ key: String) throws -> T { try decode(T.self, forKey: JSONKey(key)) }

    /// The error for a `"type"` DivTune does not implement, naming the JSON path.
    func unsupported(_ stage: String, _ type: String, supported: [String]) -> TokenizerError {
        .unsupported(source: "", field: TokenizerError.jsonPath(codingPath + [JSONKey("type")]),
                     what: "\(stage) type '\(type)' (supported: \(supported.joined(separator: ", ")))")
    }
}
