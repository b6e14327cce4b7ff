/// The record an op leaves on its output: its inputs and how to map the output's gradient to
/// theirs. Closures capture only what the gradient needs (never the output tensor itself, which
/// would form a cycle); dropping the node frees those saved activations.
final class GradNode {
    let name: String
    let inputs: [Tensor]
    /// Returns one gradient per input (nil where an input needs none). Only called for inputs
    /// that require grad, so closures may skip work by checking `inputs[i].requiresGrad`.
    let backward: (Tensor) throws -> [Tensor?]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Attaches `backward` to a freshly computed `output` when grad mode is on and some input
    /// requires grad; otherwise returns the output as a constant.
    static func result(_ output: Tensor, inputs: [Tensor], name: String,
                       backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        EngineProfiler.mark(name)
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.node = GradNode(name: name, inputs: inputs, backward: backward)
        return output
    }
}
