/// Reverse-mode differentiation over the graph of `GradNode`s.
enum Autograd {
    /// `g` itself when it is contiguous and nothing else references it or its memory, else a
    /// copy. Gradients can share storage (add hands one gradient to both operands; views pass a
    /// view of theirs), and optimizers update `.grad` in place, so a leaf's gradient must own
    /// its memory; the check spares the copy in the common case of a fresh gradient.
    static func exclusive(_ g: inout Tensor) -> Tensor {
        if g.isContiguous, isKnownUniquelyReferenced(&g), g.storageIsUnshared() { return g }
        return g.copy()
    }

    /// total + g, written into `total`'s memory when nothing else can see it (the common case: a
    /// fresh gradient of a tensor that several ops read), else a new tensor. In place it spares a
    /// fresh buffer and its page faults per accumulation.
    static func accumulate(_ total: inout Tensor, _ g: Tensor) throws -> Tensor {
        guard total.shape == g.shape, total.isContiguous, g.isContiguous,
              isKnownUniquelyReferenced(&total), total.storageIsUnshared() else { return try add(total, g) }
        let pt = total.storage.pointer + total.offset, pg = g.storage.pointer + g.offset
        let chunk = 16_384
        EngineThreads.parallelRanges((total.count + chunk - 1) / chunk, work: total.count) { range in
            for c in range {
                let lo = c * chunk
                Vectorized.map2(pt + lo, pg + lo, pt + lo, min(chunk, total.count - lo)) { $0 + $1 }
            }
        }
        EngineProfiler.mark("add")
        return total
    }

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
                guard var g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                if let node = t.node {
                    let inputGrads = try EngineProfiler.section(node.name + " backward") { try node.backward(g) }
                    for (input, ig) in zip(node.inputs, inputGrads) where input.requiresGrad {
                        guard let ig else { continue }
                        let key = ObjectIdentifier(input)
                        if var existing = grads.removeValue(forKey: key) {
                            grads[key] = try accumulate(&existing, ig)
                        } else {
                            grads[key] = ig
                        }
                    }
                    t.node = nil   // free the saved activations
                } else if t.requiresGrad {
                    if g.shape != t.shape { g = try reshape(g, t.shape) }
                    if let existing = t.grad {
                        t.grad = try add(existing, g)
                    } else {
                        t.grad = exclusive(&g)
                    }
                }
            }
        }
    }
}
