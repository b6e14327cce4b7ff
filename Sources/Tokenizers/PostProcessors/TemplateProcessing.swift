/// HF `TemplateProcessing`: the `single` template lists special tokens and the sequence `$A`,
/// e.g. `[{"SpecialToken": {"id": "[CLS]"}}, {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "[SEP]"}}]`;
/// each special token expands to the ids given in `special_tokens` (Llama 3: `<|begin_of_text|>` then `$A`).
struct TemplateProcessing: PostProcessor, Decodable {
    enum Piece: Sendable, Equatable {
        case sequence
        case special([Int])
    }

    let pieces: [Piece]

    init(pieces: [Piece]) { self.pieces = pieces }

    private struct Entry: Decodable {
        struct Reference: Decodable { let id: String }
        let SpecialToken: Reference?
        let Sequence: Reference?
    }

    private struct SpecialTokenIds: Decodable {
        let id: String
        let ids: [Int]
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let single: [Entry] = try c.value("single")
        let specials: [String: SpecialTokenIds] = try c.value("special_tokens", default: [:])
        var pieces: [Piece] = []
        for (i, entry) in single.enumerated() {
            if let token = entry.SpecialToken {
                guard let ids = specials[token.id]?.ids else {
                    throw TokenizerError.invalid(source: "", field: TokenizerError.jsonPath(c.codingPath) + ".single[\(i)]",
                                                 reason: "special token '\(token.id)' is not listed in special_tokens")
                }
                pieces.append(.special(ids))
            } else if entry.Sequence != nil {
                pieces.append(.sequence)
            } else {
                throw TokenizerError.invalid(source: "", field: TokenizerError.jsonPath(c.codingPath) + ".single[\(i)]",
                                             reason: "expected {\"SpecialToken\": …} or {\"Sequence\": …}")
            }
        }
        self.pieces = pieces
    }

    func process(_ ids: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(ids.count + addedTokenCount)
        for piece in pieces {
            switch piece {
            case .sequence: out.append(contentsOf: ids)
            case let .special(special): out.append(contentsOf: special)
            }
        }
        return out
    }

    var addedTokenCount: Int {
        pieces.reduce(0) { count, piece in if case let .special(ids) = piece { return count + ids.count } else { return count } }
    }

    /// The first special id of the template, when the template starts with one (its BOS).
    var leadingSpecialId: Int? {
        if case let .special(ids)? = pieces.first { return ids.first }
        return nil
    }
}
