/// HF `ByteLevel` pre-tokenizer: optionally a leading space (`add_prefix_space`, added to every
/// piece that does not start with one), optionally the GPT-2 regex split (`use_regex`, behaviour
/// `Isolated`), then each word's UTF-8 bytes respelled in the byte-level alphabet
/// (`ByteLevelAlphabet`) so the BPE vocabulary can cover any byte string.
struct ByteLevelPreTokenizer: PreTokenizer {
    let addPrefixSpace: Bool
    let regex: CompiledPattern?

    func split(_ text: String) -> [String] {
        let input = addPrefixSpace && !text.isEmpty && !text.hasBytePrefix(" ") ? " " + text : text
        let words = regex.map { SplitBehavior.isolated.apply($0.segments(of: input)) } ?? (input.isEmpty ? [] : [input])
        return words.map { ByteLevelAlphabet.encode($0.utf8) }
    }
}
