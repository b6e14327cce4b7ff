import Base
import Foundation

/// The result of one evaluation run, stored as `metrics.json` in the run folder
/// (written by an evaluation run, read by `divtune evaluate compare`). Keys are snake_case, the
/// diversity keys those of ``DiversityMetric``;
/// every estimate is `{"mean": m, "ci95": [lower, upper]}` (percentile bootstrap over prompts);
/// a metric that could not be computed (no embedder given, too few samples) is `null`.
public struct RunMetrics: Codable, Hashable, Sendable {
    /// Short name shown in plots and tables (the run folder's name by default).
    public var run: String
    public var model: String
    public var adapter: String?
    public var baseModel: String?
    public var baseAdapter: String?
    public var conformativeWeight: Double?
    /// How the model saw the prompts: `chat` (its template) or `completion` (raw text); nil for a
    /// server's samples and in files written before this was recorded.
    public var promptStyle: String?
    /// Mean quality per prompt; what it measures is in ``qualityMeasure``.
    public var quality: Estimate?
    /// A ``QualityMeasure`` raw value: `reward` (reward-model score) or `mean_logprob_per_token`
    /// (the model's own log-likelihood). Kept as text so a file naming another measure still loads.
    public var qualityMeasure: String
    /// The mean log-prob per token of the samples under the sampling model, whatever `quality`
    /// measures: with a reward model the secondary, labelled column of the reports (the model's
    /// own likelihood, not writing quality); nil when the samples carry no log-probs.
    public var meanLogprobPerToken: Estimate?
    public var semanticDiversity: Estimate?
    public var styleDiversity: Estimate?
    public var compressionRatio: Estimate?
    public var homogenizationRougel: Estimate?
    public var ngramDiversity: Estimate?
    public var prompts: Int
    public var samplesPerPrompt: Int
    /// The embedders that defined the semantic and style spaces (path or built-in name).
    public var embedder: String?
    public var styleEmbedder: String?
    /// True when both spaces used the papers' embedders (docs/methods.md §3.3); false for substitutes
    /// (MiniLM, the stylometric features, …); nil in files written before this was recorded.
    public var embeddersMatchPaper: Bool?
    public var warnings: [String]

    /// Whether the run's diversity numbers may be set beside the papers' (only a recorded `true`).
    public var comparableWithPaper: Bool { embeddersMatchPaper == true }

    public init(run: String, model: String, adapter: String? = nil, baseModel: String? = nil, baseAdapter: String? = nil,
                conformativeWeight: Double? = nil, quality: Estimate?, qualityMeasure: String,
                semanticDiversity: Estimate?, styleDiversity: Estimate?, compressionRatio: Estimate?,
                homogenizationRougel: Estimate?, ngramDiversity: Estimate?, prompts: Int, samplesPerPrompt: Int,
                embedder: String? = nil, styleEmbedder: String? = nil, embeddersMatchPaper: Bool? = nil, warnings: [String] = [],
                meanLogprobPerToken: Estimate? = nil) {
        self.meanLogprobPerToken = meanLogprobPerToken
        self.run = run
        self.model = model
        self.adapter = adapter
        self.baseModel = baseModel
        self.baseAdapter = baseAdapter
        self.conformativeWeight = conformativeWeight
        self.quality = quality
        self.qualityMeasure = qualityMeasure
        self.semanticDiversity = semanticDiversity
        self.styleDiversity = styleDiversity
        self.compressionRatio = compressionRatio
        self.homogenizationRougel = homogenizationRougel
        self.ngramDiversity = ngramDiversity
        self.prompts = prompts
        self.samplesPerPrompt = samplesPerPrompt
        self.embedder = embedder
        self.styleEmbedder = styleEmbedder
        self.embeddersMatchPaper = embeddersMatchPaper
        self.warnings = warnings
    }

    /// The estimate of one diversity metric.
    public func estimate(_ metric: DiversityMetric) -> Estimate? {
        switch metric {
        case .semanticDiversity: return semanticDiversity
        case .styleDiversity: return styleDiversity
        case .compressionRatio: return compressionRatio
        case .homogenizationRougel: return homogenizationRougel
        case .ngramDiversity: return ngramDiversity
        }
    }

    /// The keys besides the diversity metrics (those are ``DiversityMetric``'s).
    enum CodingKeys: String, CodingKey {
        case run, model, adapter, quality, prompts, warnings, embedder
        case baseModel = "base_model", baseAdapter = "base_adapter", conformativeWeight = "conformative_weight"
        case qualityMeasure = "quality_measure", samplesPerPrompt = "samples_per_prompt", styleEmbedder = "style_embedder"
        case embeddersMatchPaper = "embedders_match_paper", promptStyle = "prompt_style"
        case meanLogprobPerToken = "mean_logprob_per_token"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        run = try c.decode(String.self, forKey: .run)
        model = try c.decode(String.self, forKey: .model)
        adapter = try c.decodeIfPresent(String.self, forKey: .adapter)
        baseModel = try c.decodeIfPresent(String.self, forKey: .baseModel)
        baseAdapter = try c.decodeIfPresent(String.self, forKey: .baseAdapter)
        conformativeWeight = try c.decodeIfPresent(Double.self, forKey: .conformativeWeight)
        promptStyle = try c.decodeIfPresent(String.self, forKey: .promptStyle)
        quality = try c.decodeIfPresent(Estimate.self, forKey: .quality)
        qualityMeasure = try c.decodeIfPresent(String.self, forKey: .qualityMeasure) ?? QualityMeasure.reward.rawValue
        meanLogprobPerToken = try c.decodeIfPresent(Estimate.self, forKey: .meanLogprobPerToken)
        let d = try decoder.container(keyedBy: DiversityMetric.self)
        semanticDiversity = try d.decodeIfPresent(Estimate.self, forKey: .semanticDiversity)
        styleDiversity = try d.decodeIfPresent(Estimate.self, forKey: .styleDiversity)
        compressionRatio = try d.decodeIfPresent(Estimate.self, forKey: .compressionRatio)
        homogenizationRougel = try d.decodeIfPresent(Estimate.self, forKey: .homogenizationRougel)
        ngramDiversity = try d.decodeIfPresent(Estimate.self, forKey: .ngramDiversity)
        prompts = try c.decodeIfPresent(Int.self, forKey: .prompts) ?? 0
        samplesPerPrompt = try c.decodeIfPresent(Int.self, forKey: .samplesPerPrompt) ?? 0
        embedder = try c.decodeIfPresent(String.self, forKey: .embedder)
        styleEmbedder = try c.decodeIfPresent(String.self, forKey: .styleEmbedder)
        embeddersMatchPaper = try c.decodeIfPresent(Bool.self, forKey: .embeddersMatchPaper)
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }

    /// Nil values are written as explicit `null`s so every key is always present.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run, forKey: .run)
        try c.encode(model, forKey: .model)
        try c.encode(adapter, forKey: .adapter)
        try c.encode(baseModel, forKey: .baseModel)
        try c.encode(baseAdapter, forKey: .baseAdapter)
        try c.encode(conformativeWeight, forKey: .conformativeWeight)
        try c.encode(promptStyle, forKey: .promptStyle)
        try c.encode(quality, forKey: .quality)
        try c.encode(qualityMeasure, forKey: .qualityMeasure)
        try c.encode(meanLogprobPerToken, forKey: .meanLogprobPerToken)
        var d = encoder.container(keyedBy: DiversityMetric.self)
        for metric in DiversityMetric.allCases { try d.encode(estimate(metric), forKey: metric) }
        try c.encode(prompts, forKey: .prompts)
        try c.encode(samplesPerPrompt, forKey: .samplesPerPrompt)
        try c.encode(embedder, forKey: .embedder)
        try c.encode(styleEmbedder, forKey: .styleEmbedder)
        try c.encode(embeddersMatchPaper, forKey: .embeddersMatchPaper)
        try c.encode(warnings, forKey: .warnings)
    }

    public static let fileName = "metrics.json"

    /// Reads `metrics.json` from a run folder; errors name the folder or file and the bad field.
    public static func load(runDirectory: URL) throws -> RunMetrics {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(path: runDirectory.path, reason: "not a run folder (it does not exist or is not a directory)")
        }
        let url = runDirectory.appendingPathComponent(fileName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FileError(path: url.path, reason: "missing or unreadable (run `divtune evaluate run` first)")
        }
        return try decode(data, path: url.path)
    }

    /// Decodes `metrics.json` bytes; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> RunMetrics {
        do {
            return try JSONDecoder().decode(RunMetrics.self, from: data)
        } catch let error as DecodingError {
            throw FileError(path: path, reason: error.readableDescription)
        } catch {
            throw FileError(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
    }

    /// Writes `metrics.json` into `runDirectory` atomically (pretty, sorted keys).
    public func write(runDirectory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let url = runDirectory.appendingPathComponent(Self.fileName)
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw FileError(path: url.path, reason: "cannot be written: a value cannot be encoded as JSON (\(error))")
        }
        try AtomicFile.write(data + Data("\n".utf8), to: url)
    }
}
