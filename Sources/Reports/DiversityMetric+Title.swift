import Evaluation

extension DiversityMetric {
    /// The metric's column title in tables, with the direction that means more diverse.
    public var columnTitle: String {
        switch self {
        case .semanticDiversity: return "Semantic diversity ↑"
        case .styleDiversity: return "Style diversity ↑"
        case .compressionRatio: return "Compression ratio ↓"
        case .homogenizationRougel: return "Homogenization (ROUGE-L) ↓"
        case .ngramDiversity: return "N-gram diversity ↑"
        }
    }
}
