/// Finds special (added) tokens written in text, longest match first, so `<|im_start|>` becomes
/// one id instead of being byte-pair encoded as characters.
struct SpecialTokenSplitter: Sendable {
    enum Piece { case text(Substring), special(Int) }

    private let tokens: [(String, Int)]   // longest first

    init(_ tokens: [String: Int]) {
        self.tokens = tokens.filter { !$0.key.isEmpty }.sorted { $0.key.count != $1.key.count ? $0.key.count > $1.key.count : $0.key < $1.key }
    }

    func split(_ text: String) -> [Piece] {
        guard !tokens.isEmpty else { return [.text(text[...])] }
        var pieces: [Piece] = []
        var start = text.startIndex, i = text.startIndex
        while i < text.endIndex {
            if text[i] == "<" || text[i] == "[" || tokens.contains(where: { $0.0.first == text[i] }) {
                if let (token, id) = tokens.first(where: { text[i...].hasPrefix($0.0) }) {
                    if start < i { pieces.append(.text(text[start..<i])) }
                    pieces.append(.special(id))
                    i = text.index(i, offsetBy: token.count)
                    start = i
                    continue
                }
            }
            i = text.index(after: i)
        }
        if start < text.endIndex { pieces.append(.text(text[start...])) }
        return pieces
    }
}
