/// The Hugging Face module and tensor names of a decoder (Llama family, Gemma 2, OLMo 2), their GGUF counterparts and
/// PEFT's adapter tensor names: the one list that weight loading, GGUF mapping, LoRA targeting,
/// adapter files and fused checkpoints use (docs/formats.md §2.1, §4.4).
public enum HFModuleNames {
    public static let embedTokens = "model.embed_tokens"
    public static let norm = "model.norm"
    public static let lmHead = "lm_head"
    static let layers = "model.layers"

    public static func weight(_ module: String) -> String { module + ".weight" }
    public static func bias(_ module: String) -> String { module + ".bias" }

    /// `model.layers.3.self_attn.q_proj`.
    public static func path(layer: Int, _ module: DecoderLayerModule) -> String { "\(layers).\(layer).\(module.rawValue)" }

    /// The layer and module of a path such as `model.layers.3.self_attn.q_proj`; nil for any path
    /// outside the list (a layer number must be written plainly: not `03` or `+3`).
    public static func module(atPath path: String) -> (layer: Int, module: DecoderLayerModule)? {
        guard path.hasPrefix(layers + ".") else { return nil }
        let rest = path.dropFirst(layers.count + 1)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), String(layer) == rest[..<dot],
              let module = DecoderLayerModule(rawValue: String(rest[rest.index(after: dot)...])) else { return nil }
        return (layer, module)
    }

    // MARK: GGUF

    /// The GGUF name of an HF tensor name in a file of `architecture`
    /// (`model.layers.0.self_attn.q_proj.weight` → `blk.0.attn_q.weight`), nil for names GGUF has
    /// no counterpart for.
    public static func ggufTensorName(_ hf: String, architecture: ModelArchitecture = .llama) -> String? {
        let fixed = [weight(embedTokens): "token_embd.weight", weight(norm): "output_norm.weight", weight(lmHead): "output.weight"]
        if let name = fixed[hf] { return name }
        guard let dot = hf.lastIndex(of: "."), let found = module(atPath: String(hf[..<dot])) else { return nil }
        return "blk.\(found.layer).\(found.module.ggufName(in: architecture))\(hf[dot...])"
    }

    // MARK: LoRA and PEFT

    /// Every projection's name (`q_proj`, …, `down_proj`): PEFT's "all-linear" for this model.
    public static let projectionNames = DecoderLayerModule.projections.map(\.name)

    /// PEFT's default `target_modules` for llama, mistral and qwen2; the reward model adapts these
    /// (docs/methods.md §6.3).
    public static let peftDefaultTargets = [DecoderLayerModule.qProj, .vProj].map(\.name)

    /// Whether a `target_modules` entry names projections as PEFT matches them: a projection's name
    /// (`q_proj`) or the end of its path (`self_attn.q_proj`, `model.layers.0.self_attn.q_proj`).
    public static func isProjectionTarget(_ target: String) -> Bool {
        let parts = target.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return DecoderLayerModule.projections.contains { projection in
            let full = layers.split(separator: ".").map(String.init) + ["#"] + projection.rawValue.split(separator: ".").map(String.init)
            guard parts.count <= full.count else { return false }
            return zip(parts, full.suffix(parts.count)).allSatisfy { part, expected in
                expected == "#" ? Int(part).map { String($0) == part } ?? false : part == expected
            }
        }
    }

    /// Why `name` is refused where a projection is expected.
    public static func notAProjection(_ name: String) -> String {
        "'\(name)' is not a projection of a Llama-family decoder layer (\(projectionNames.joined(separator: ", ")), "
            + "or a path ending in one such as \(path(layer: 0, .qProj)))"
    }

    /// PEFT's prefix for a causal LM's module paths in adapter files.
    public static let peftPrefix = "base_model.model."

    /// The PEFT tensor names of a LoRA layer on the module at `path`.
    public static func loraTensorNames(path: String) -> (a: String, b: String) {
        (peftPrefix + path + ".lora_A.weight", peftPrefix + path + ".lora_B.weight")
    }

    /// The module path and matrix (A or B) of a PEFT adapter tensor name, with or without the
    /// prefix and PEFT's `.default` adapter name; nil for any other tensor.
    public static func loraTensor(_ name: String) -> (path: String, isA: Bool)? {
        var name = name
        if name.hasPrefix(peftPrefix) { name.removeFirst(peftPrefix.count) }
        for (suffix, isA) in [(".lora_A.weight", true), (".lora_B.weight", false), (".lora_A.default.weight", true), (".lora_B.default.weight", false)]
        where name.hasSuffix(suffix) {
            return (String(name.dropLast(suffix.count)), isA)
        }
        return nil
    }
}
