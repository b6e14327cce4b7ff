/// An insertion-ordered string-keyed dictionary: a Python `dict` as templates see one.
public struct JinjaObject: Sendable, Equatable, Sequence {
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init() {}

    /// From ordered pairs; a repeated key keeps its first position and its last value.
    public init(_ pairs: some Sequence<(String, JinjaValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    public var values: [JinjaValue] { keys.map { storage[$0] ?? .undefined } }

    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public func makeIterator() -> AnyIterator<(key: String, value: JinjaValue)> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], storage[keys[i]] ?? .undefined)
        }
    }

    /// Python dict equality: same keys and values, order ignored.
    public static func == (a: JinjaObject, b: JinjaObject) -> Bool {
        a.count == b.count && a.storage.allSatisfy { key, value in b.storage[key].map { $0 == value } ?? false }
    }
}
