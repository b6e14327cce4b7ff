import TensorEngine

/// Where a model's weights come from, addressed by HF tensor names. GGUF files map their own
/// names (and Q/K row order) onto these; safetensors checkpoints use them as they are.
public protocol WeightSource {
    func contains(_ name: String) -> Bool
    /// The stored shape, read without loading the tensor; throws the source's missing-tensor error.
    func shape(named name: String) throws -> [Int]
    func tensor(named name: String) throws -> Tensor
    /// `name` as this source's messages show it (GGUF adds its own name for the tensor).
    func displayName(of name: String) -> String
    /// The weight in its stored quantized form, when the source has one (GGUF), for decode.
    func quantizedWeight(named name: String) -> QuantizedWeight?
}

extension WeightSource {
    public func quantizedWeight(named name: String) -> QuantizedWeight? { nil }
    public func displayName(of name: String) -> String { name }
}

/// Weights held in memory (tests, fused checkpoints).
public struct InMemoryWeights: WeightSource {
    public var tensors: [String: Tensor]
    public init(_ tensors: [String: Tensor]) { self.tensors = tensors }
    public func contains(_ name: String) -> Bool { tensors[name] != nil }
    public func shape(named name: String) throws -> [Int] { try tensor(named: name).shape }
    public func tensor(named name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw ModelError.missingTensor(file: "<memory>", name: name) }
        return t
    }
}
