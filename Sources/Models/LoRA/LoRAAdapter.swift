import Base
import Foundation
import TensorEngine
import WeightFormats

/// A set of LoRA layers keyed by HF module path, loadable from and savable to a PEFT adapter
/// folder (`adapter_config.json` + `adapter_model.safetensors`).
public final class LoRAAdapter {
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"
    public var configuration: LoRAConfiguration
    /// Module path → layer, in the model's module order.
    public let layers: [(path: String, layer: LoRALayer)]

    public init(configuration: LoRAConfiguration, layers: [(path: String, layer: LoRALayer)]) {
        self.configuration = configuration
        self.layers = layers
    }

    /// A fresh adapter for every targeted projection of `model`, initialised as PEFT does.
    public convenience init(configuration: LoRAConfiguration, model: LlamaModel, seed: UInt64) throws {
        try configuration.validate()
        let targets = model.linearLayers.filter { configuration.targets($0.path) }
        // PEFT accepts a rank above a projection's smaller side (it only adds nothing a full update
        // lacks), so we do too; a rank above its larger side is a mistake, and a huge one
        // (`--lora-rank 100000`) would allocate until the machine runs out of memory.
        let larger = { (l: Linear) in max(l.inFeatures, l.outFeatures) }
        if let (path, linear) = targets.min(by: { larger($0.layer) < larger($1.layer) }), configuration.rank > larger(linear) {
            throw ModelError.invalidConfiguration(key: "r", reason: "LoRA rank \(configuration.rank) is above \(larger(linear)), "
                + "the larger side of \(path) (\(linear.inFeatures) → \(linear.outFeatures))")
        }
        var rng = SeededGenerator(seed: seed)
        var layers: [(String, LoRALayer)] = []
        for (path, linear) in targets {
            layers.append((path, try LoRALayer.initialized(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures,
                                                          rank: configuration.rank, alpha: configuration.alpha,
                                                          dropout: configuration.dropout, using: &rng)))
        }
        guard !layers.isEmpty else {
            throw ModelError.invalidConfiguration(key: "target_modules", reason: "\(configuration.targetModules) matches no projection of the model")
        }
        self.init(configuration: configuration, layers: layers)
    }

    /// Every trainable tensor (A then B of each layer, in module order).
    public var parameters: [Tensor] { layers.flatMap { [$0.layer.a, $0.layer.b] } }

    /// PEFT names of `parameters`, in the same order.
    public var parameterNames: [String] {
        layers.flatMap { layer -> [String] in
            let names = HFModuleNames.loraTensorNames(path: layer.path)
            return [names.a, names.b]
        }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public var isTraining: Bool {
        get { layers.first?.layer.isTraining ?? false }
        set { for l in layers { l.layer.isTraining = newValue } }
    }

    // MARK: Files

    /// Loads a PEFT folder. Tensors are matched by name; errors name the file and tensor.
    public static func load(directory: URL) throws -> LoRAAdapter {
        let configURL = directory.appendingPathComponent(configFile)
        guard let data = try? Data(contentsOf: configURL) else { throw ModelError.missingFile(path: configURL.path, what: "adapter_config.json") }
        let configuration: LoRAConfiguration
        do { configuration = try JSONDecoder().decode(LoRAConfiguration.self, from: data) } catch {
            throw ModelError.unreadable(file: configURL.path, reason: "\(error)")
        }
        do { try configuration.validate() } catch { throw ModelError.unreadable(file: configURL.path, reason: "\(error)") }
        guard configuration.peftType == "LORA" else {
            throw ModelError.invalidConfiguration(key: "peft_type", reason: "\(configURL.path): only LORA adapters are supported, got \(configuration.peftType)")
        }
        guard !configuration.useDoRA else { throw ModelError.invalidConfiguration(key: "use_dora", reason: "\(configURL.path): DoRA is not supported") }
        let weightsURL = directory.appendingPathComponent(weightsFile)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else { throw ModelError.missingFile(path: weightsURL.path, what: "adapter weights") }
        let file = try SafetensorsFile(path: weightsURL.path)
        var found: [String: (a: SafetensorsTensorInfo?, b: SafetensorsTensorInfo?)] = [:]
        for info in file.orderedTensors {
            // Anything but the A/B matrix of a projection (embedding LoRA, biases, DoRA magnitudes)
            // would be dropped without a word: refuse it.
            guard let tensor = HFModuleNames.loraTensor(info.name) else {
                throw ModelError.unreadable(file: weightsURL.path, reason: "tensor '\(info.name)' is not the lora_A or lora_B weight of a projection")
            }
            guard HFModuleNames.module(atPath: tensor.path)?.module.isProjection == true else {
                throw ModelError.unreadable(file: weightsURL.path, reason: "tensor '\(info.name)': \(HFModuleNames.notAProjection(tensor.path))")
            }
            if tensor.isA { found[tensor.path, default: (nil, nil)].a = info } else { found[tensor.path, default: (nil, nil)].b = info }
        }
        var layers: [(String, LoRALayer)] = []
        for path in found.keys.sorted(by: modulePathOrder) {
            guard let a = found[path]?.a, let b = found[path]?.b else {
                let names = HFModuleNames.loraTensorNames(path: path)
                throw ModelError.missingTensor(file: weightsURL.path, name: found[path]?.a == nil ? names.a : names.b)
            }
            guard a.shape.count == 2, b.shape.count == 2, a.shape[0] == configuration.rank, b.shape[1] == configuration.rank else {
                throw ModelError.tensorShape(name: HFModuleNames.peftPrefix + path, expected: [configuration.rank], got: a.shape + b.shape)
            }
            let layer = try LoRALayer(a: Tensor(file.floats(a), shape: a.shape), b: Tensor(file.floats(b), shape: b.shape),
                                      alpha: configuration.useRSLoRA ? configuration.alpha * Float(configuration.rank).squareRoot() : configuration.alpha,
                                      dropout: configuration.dropout, seed: UInt64(layers.count))
            layers.append((path, layer))
        }
        guard !layers.isEmpty else { throw ModelError.unreadable(file: weightsURL.path, reason: "no lora_A/lora_B tensors") }
        return LoRAAdapter(configuration: configuration, layers: layers)
    }

    /// Writes the PEFT folder; each file is replaced atomically. Refuses a layer whose path is not
    /// a projection of the one list (PEFT could not put it back).
    public func save(directory: URL) throws {
        for (path, _) in layers where HFModuleNames.module(atPath: path)?.module.isProjection != true {
            throw ModelError.invalidInput("cannot save the adapter to \(directory.path): \(HFModuleNames.notAProjection(path))")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(encoder.encode(configuration), to: directory.appendingPathComponent(Self.configFile))
        let tensors = zip(parameterNames, parameters).map { name, t in (name: name, shape: t.shape, values: t.scalars) }
        try SafetensorsWriter.write(tensors: tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent(Self.weightsFile))
    }

    /// Layer index first, then the module order of a layer, so loading keeps a stable parameter
    /// order (`load` admits only paths of the one list).
    static func modulePathOrder(_ x: String, _ y: String) -> Bool {
        func key(_ path: String) -> (Int, Int, String) {
            let found = HFModuleNames.module(atPath: path)
            return (found?.layer ?? -1, found.flatMap { DecoderLayerModule.allCases.firstIndex(of: $0.module) } ?? 99, path)
        }
        return key(x) < key(y)
    }
}

extension LlamaModel {
    /// Installs `adapter` on its projections (replacing any adapter there). Throws when a path is
    /// not a projection of this model or the shapes disagree.
    public func attach(_ adapter: LoRAAdapter) throws {
        let byPath = Dictionary(uniqueKeysWithValues: linearLayers.map { ($0.path, $0.layer) })
        for (path, layer) in adapter.layers {
            guard let linear = byPath[path] else { throw ModelError.missingTensor(file: "adapter", name: path + " (no such projection in the model)") }
            guard layer.a.shape[1] == linear.inFeatures, layer.b.shape[0] == linear.outFeatures else {
                throw ModelError.tensorShape(name: path, expected: [linear.outFeatures, linear.inFeatures], got: [layer.b.shape[0], layer.a.shape[1]])
            }
        }
        for (path, layer) in adapter.layers { byPath[path]?.lora = layer }
    }

    public func detachAdapters() {
        for (_, linear) in linearLayers { linear.lora = nil }
    }

    /// Turns every attached adapter on or off (off = the base model).
    public func setAdaptersEnabled(_ enabled: Bool) {
        for (_, linear) in linearLayers { linear.lora?.isEnabled = enabled }
    }

    /// Runs `body` on the base model (adapters off), restoring them afterwards.
    public func withAdaptersDisabled<R>(_ body: () throws -> R) rethrows -> R {
        let previous = linearLayers.map { $0.layer.lora?.isEnabled ?? false }
        setAdaptersEnabled(false)
        defer { for ((_, linear), on) in zip(linearLayers, previous) { linear.lora?.isEnabled = on } }
        return try body()
    }

    /// Parameters of the base model (embeddings counted once when tied).
    public var baseParameterCount: Int {
        var n = embedTokens.count + norm.count + (lmHead.weight === embedTokens ? 0 : lmHead.weight.count)
        for block in layers {
            n += block.norms.values.reduce(0) { $0 + $1.count }
        }
        for (_, linear) in linearLayers { n += linear.weight.count + (linear.bias?.count ?? 0) }
        return n
    }

    /// Adds every attached adapter into its base weight (W' = W + α/r·B·A) and removes the adapters.
    public func mergeAdapters() throws {
        for (_, linear) in linearLayers {
            guard let lora = linear.lora else { continue }
            linear.weight = try Tensor.withNoGrad { try add(linear.weight, lora.delta()) }
            linear.lora = nil
            linear.quantized = nil   // the stored blocks no longer hold this weight
        }
    }

    /// Every base tensor by HF name (for writing fused checkpoints).
    public var namedWeights: [(name: String, tensor: Tensor)] {
        typealias N = HFModuleNames
        var out: [(String, Tensor)] = [(N.weight(N.embedTokens), embedTokens)]
        for (i, block) in layers.enumerated() {
            for module in configuration.architecture.layerModules {
                let path = N.path(layer: i, module)
                if let weight = block.normWeight(module) { out.append((N.weight(path), weight)) }
                if let linear = block.linear(module) {
                    out.append((N.weight(path), linear.weight))
                    if let bias = linear.bias { out.append((N.bias(path), bias)) }
                }
            }
        }
        out.append((N.weight(N.norm), norm))
        if lmHead.weight !== embedTokens { out.append((N.weight(N.lmHead), lmHead.weight)) }
        return out
    }
}
