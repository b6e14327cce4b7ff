/// Reverse-mode differentiation over the graph of `GradNode`s.
enum Autograd {
    static func run(from root: Tensor, gradient: Tensor) throws {
        guard root.requiresGrad else {
            throw TensorError.invalidArgument(op: "backward", reason: "the tensor does not depend on any parameter with requiresGrad = true")
        }
        // Topological order by iterative depth-first search (graphs are thousands of nodes deep).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(root, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if !visited.insert(ObjectIdentifier(t)).inserted { continue }
            stack.append((t, true))
            for input in t.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        try Tensor.withNoGrad {
            var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): gradient]
            for t in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                if let node = t.node {
                    let inputGrads = try node.backward(g)
                    for (input, ig) in zip(node.inputs, inputGrads) where input.requiresGrad {
                        guard let ig else { continue }
                        let key = ObjectIdentifier(input)
                        grads[key] = try grads[key].map { try add($0, ig) } ?? ig
                    }
                    t.node = nil   // free the saved activations
                } else if t.requiresGrad {
                    let g = g.shape == t.shape ? g : try reshape(g, t.shape)
                    t.grad = try t.grad.map { try add($0, g) } ?? g.contiguous()
                }
            }
        }
    }
}
