extension JinjaValue {
    enum Measure { case fits, tooLarge, tooDeep }

    /// Whether this value's size as printed stays within `maxSize` and its nesting within `maxDepth`.
    /// Lists share storage, so `[l, l]` is cheap to build but prints `l` twice: the size counts
    /// every value inside as printed — a string its UTF-8 bytes, and every value (item, key or
    /// container) 8 more for its punctuation — and the walk stops as soon as either bound is
    /// passed, so it visits at most `maxSize / 8` values.
    func measure(maxSize: Int, maxDepth: Int) -> Measure {
        var size = 0
        func walk(_ v: JinjaValue, _ depth: Int) -> Measure {
            guard depth <= maxDepth else { return .tooDeep }
            size += 8
            switch v {
            case let .string(s): size += s.utf8.count
            case let .array(items):
                for item in items {
                    let m = walk(item, depth + 1)
                    guard m == .fits else { return m }
                }
            case let .object(object):
                for (key, item) in object {
                    size += key.utf8.count + 8
                    let m = walk(item, depth + 1)
                    guard m == .fits else { return m }
                }
            default: break
            }
            return size <= maxSize ? .fits : .tooLarge
        }
        return walk(self, 0)
    }
}
