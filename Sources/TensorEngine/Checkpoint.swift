/// Activation checkpointing: runs `body` without keeping its intermediate activations, and
/// re-runs it during backward to get them back — trading one extra forward for memory on long
/// sequences.
///
/// `inputs` are the tensors `body` reads that gradients must reach; parameters captured inside
/// `body` (LoRA weights) receive their gradients during the re-run, as usual. `body` must be
/// deterministic (use a fixed generator state for dropout inside it).
public func checkpoint(_ inputs: [Tensor], _ body: @escaping ([Tensor]) throws -> Tensor) throws -> Tensor {
    guard GradMode.isEnabled else { return try body(inputs) }
    let output = try Tensor.withNoGrad { try body(inputs.map { $0.detached() }) }
    output.requiresGrad = true
    output.node = GradNode(name: "checkpoint", inputs: inputs) { g in
        try GradMode.$isEnabled.withValue(true) {
            let replayInputs = inputs.map { input -> Tensor in
                let copy = input.detached()
                copy.requiresGrad = input.requiresGrad
                return copy
            }
            let replay = try body(replayInputs)
            if replay.requiresGrad { try replay.backward(gradient: g) }
            return replayInputs.map { $0.grad }
        }
    }
    return output
}
