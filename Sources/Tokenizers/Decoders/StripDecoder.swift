/// HF `Strip` decoder: removes up to `start` leading and `stop` trailing `content` scalars
/// from every token.
struct StripDecoder: TokenDecoder {
    let content: Unicode.Scalar
    let start: Int
    let stop: Int

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            var t = Substring(token).unicodeScalars
            var n = 0
            while n < start, t.first == content { t.removeFirst(); n += 1 }
            n = 0
            while n < stop, t.last == content { t.removeLast(); n += 1 }
            return String(t)
        }
    }
}
