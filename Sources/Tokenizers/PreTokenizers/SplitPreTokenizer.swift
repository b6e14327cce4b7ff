/// HF `Split`: cut at a literal or regex pattern, keeping or dropping the matches per `behavior`;
/// `invert` swaps matches and the text between them. Llama 3 and Qwen 2 use it with their regex
/// and `Isolated` (every match and every gap a word).
struct SplitPreTokenizer: PreTokenizer {
    let pattern: CompiledPattern
    let behavior: SplitBehavior
    let invert: Bool

    func split(_ text: String) -> [String] { behavior.apply(pattern.segments(of: text), invert: invert) }
}
