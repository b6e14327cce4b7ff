import Console
import Embeddings

/// Passes texts through to `base` and advances `progress` by the number embedded, so long
/// `prepare`/`evaluate` runs show their rate and ETA without the pipelines knowing about consoles.
struct ProgressEmbedder: TextEmbedder {
    let base: TextEmbedder
    let progress: ProgressBar

    func embed(_ texts: [String]) throws -> [[Float]] {
        let vectors = try base.embed(texts)
        progress.advance(by: texts.count)
        return vectors
    }
}
