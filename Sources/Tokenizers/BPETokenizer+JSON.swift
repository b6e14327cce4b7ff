import Foundation

extension BPETokenizer {
    /// From a Hugging Face `tokenizer.json` with a byte-level BPE model. Recognised pre-tokenizers:
    /// `ByteLevel` (GPT-2 regex), `Sequence[Digits(individual), ByteLevel]` (SmolLM) and
    /// `Sequence[Split(<Llama-3 or Qwen2 regex>), ByteLevel(use_regex=false)]`. Added tokens marked
    /// `special` are matched in text. BOS is prepended when the post-processor template starts with it.
    public convenience init(tokenizerJSON url: URL) throws {
        guard let data = try? Data(contentsOf: url) else { throw TokenizerError.missingFile(path: url.path) }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.invalid(source: url.path, field: "(root)", reason: "not a JSON object")
        }
        let source = url.path
        guard let model = json["model"] as? [String: Any], (model["type"] as? String ?? "BPE") == "BPE",
              let vocab = model["vocab"] as? [String: Int] else {
            throw TokenizerError.unsupported(source: source, what: "model (only byte-level BPE with a \"vocab\" object is supported here)")
        }
        var merges: [(String, String)] = []
        for (i, m) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let s = m as? String {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw TokenizerError.invalid(source: source, field: "model.merges[\(i)]", reason: "'\(s)'") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = m as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else {
                throw TokenizerError.invalid(source: source, field: "model.merges[\(i)]", reason: "expected \"a b\" or [\"a\", \"b\"]")
            }
        }
        var size = (vocab.values.max() ?? -1) + 1
        var special = Set<Int>()
        var added: [String: Int] = [:]
        for entry in json["added_tokens"] as? [[String: Any]] ?? [] {
            guard let id = entry["id"] as? Int, let content = entry["content"] as? String else { continue }
            added[content] = id
            size = max(size, id + 1)
            if entry["special"] as? Bool ?? true { special.insert(id) }
        }
        var table = [String](repeating: "", count: size)
        for (token, id) in vocab where id >= 0 { table[id] = token }
        for (token, id) in added { table[id] = token }

        let preTokenizer = try Self.preTokenizer(json["pre_tokenizer"] as? [String: Any], source: source)
        var bos: Int?, eos: Int?
        var addBos = false
        if let post = json["post_processor"] as? [String: Any], let single = post["single"] as? [[String: Any]],
           let first = single.first?["SpecialToken"] as? [String: Any], let id = first["id"] as? String {
            bos = added[id] ?? vocab[id]
            addBos = bos != nil
        }
        for candidate in ["<|begin_of_text|>", "<s>", "<|im_start|>", "<|endoftext|>"] where bos == nil { bos = added[candidate] }
        for candidate in ["<|end_of_text|>", "</s>", "<|endoftext|>", "<|im_end|>"] where eos == nil { eos = added[candidate] }
        self.init(vocabulary: table, merges: merges, specialTokens: special, preTokenizer: preTokenizer,
                  bosTokenId: bos, eosTokenId: eos, addBos: addBos)
    }

    private static func preTokenizer(_ config: [String: Any]?, source: String) throws -> PreTokenizer {
        guard let config else { return PreTokenizer(.gpt2) }
        let type = config["type"] as? String ?? ""
        if type == "ByteLevel" { return PreTokenizer(.gpt2) }
        if type == "Sequence", let steps = config["pretokenizers"] as? [[String: Any]] {
            let types = steps.compactMap { $0["type"] as? String }
            if types == ["Digits", "ByteLevel"] { return PreTokenizer(.smollm) }
            if types.first == "Split", let pattern = (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String {
                if pattern == PreTokenizer.llama3Pattern { return PreTokenizer(.llama3) }
                if pattern == PreTokenizer.qwen2Pattern { return PreTokenizer(.qwen2) }
                if pattern == PreTokenizer.gpt2Pattern { return PreTokenizer(.gpt2) }
            }
            if types == ["ByteLevel"] { return PreTokenizer(.gpt2) }
        }
        throw TokenizerError.unsupported(source: source, what: "pre_tokenizer \(type) (supported: ByteLevel; Digits+ByteLevel; Split with the Llama-3/Qwen2/GPT-2 regex + ByteLevel)")
    }
}
