/// HF `normalizers.Sequence`: each normalizer in turn.
struct NormalizerSequence: Normalizer {
    let steps: [Normalizer]
    func normalize(_ text: String) -> String { steps.reduce(text) { $1.normalize($0) } }
}
