import Base
/// An n-dimensional Float32 array: a strided view over shared `Storage`, and a node of the
/// autograd graph.
///
/// Tensors are reference types because the graph links them: an op's output remembers (through
/// its `GradNode`) the inputs and the closure that maps its gradient to theirs. Leaves with
/// `requiresGrad = true` are trainable parameters and receive `.grad`; leaves with
/// `requiresGrad = false` are constants or frozen weights, and no op spends any work on their
/// gradient (gradients still flow *through* them to whatever needs one).
///
/// Ops are free functions (`matmul`, `add`, `rmsNorm`, …) that throw `TensorError` on shape
/// mismatches, with the shapes in the message.
public final class Tensor {
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    public private(set) var storage: Storage
    /// True on trainable leaves, and on every op result that depends on one (while grad is enabled).
    public var requiresGrad: Bool
    /// The gradient accumulated by `backward()` (leaves only); cleared by `zeroGrad()`.
    public var grad: Tensor?
    var node: GradNode?

    init(storage: Storage, shape: [Int], strides: [Int]? = nil, offset: Int = 0, requiresGrad: Bool = false) {
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? Shape.contiguousStrides(shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    // MARK: Creation

    public convenience init(_ values: [Float], shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), Shape.count(shape) == values.count else {
            throw TensorError.shapeMismatch(op: "Tensor.init", shapes: [shape, [values.count]],
                                            reason: "shape holds \(Shape.count(shape)) elements but \(values.count) values were given")
        }
        self.init(storage: Storage(values), shape: shape)
    }

    public convenience init(float16Bits bits: [UInt16], shape: [Int]) throws {
        try self.init(bits.map(HalfPrecision.float(fromFloat16Bits:)), shape: shape)
    }

    public convenience init(bfloat16Bits bits: [UInt16], shape: [Int]) throws {
        try self.init(bits.map(HalfPrecision.float(fromBFloat16Bits:)), shape: shape)
    }

    /// A tensor filled by `body` writing every element of a fresh contiguous buffer.
    public static func make(_ shape: [Int], _ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> Tensor {
        let storage = Storage(uninitializedCount: Shape.count(shape))
        try body(storage.buffer)
        return Tensor(storage: storage, shape: shape)
    }

    /// Tensors filled by `body` writing every element of fresh contiguous buffers, one per shape.
    public static func make(_ shapes: [[Int]], _ body: ([UnsafeMutableBufferPointer<Float>]) throws -> Void) rethrows -> [Tensor] {
        let storages = shapes.map { Storage(uninitializedCount: Shape.count($0)) }
        try body(storages.map(\.buffer))
        return zip(storages, shapes).map { Tensor(storage: $0, shape: $1) }
    }

    public static func zeros(_ shape: [Int]) -> Tensor { full(0, shape: shape) }

    public static func full(_ value: Float, shape: [Int]) -> Tensor {
        Tensor(storage: Storage(repeating: value, count: Shape.count(shape)), shape: shape)
    }

    public static func scalar(_ value: Float) -> Tensor { full(value, shape: []) }

    public static func randomNormal(_ shape: [Int], std: Float, using rng: inout SeededGenerator) -> Tensor {
        make(shape) { b in for i in b.indices { b[i] = rng.nextGaussian() * std } }
    }

    public static func randomUniform(_ shape: [Int], low: Float, high: Float, using rng: inout SeededGenerator) -> Tensor {
        make(shape) { b in for i in b.indices { b[i] = low + (high - low) * rng.nextFloat() } }
    }

    // MARK: Inspection

    public var count: Int { Shape.count(shape) }
    public var rank: Int { shape.count }
    public var isLeaf: Bool { node == nil }

    /// Row-major with no gaps (strides of size-1 dimensions are irrelevant and ignored), so the
    /// elements are `storage.pointer[offset ..< offset + count]` in order.
    public var isContiguous: Bool {
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// The elements in row-major order (a copy).
    public var scalars: [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// The value of a one-element tensor (NaN for any other: callers check `count`).
    public var item: Float { count == 1 ? storage.pointer[offset] : .nan }

    /// Row-major contiguous data: `self` when already contiguous, else a copy (which keeps the
    /// autograd link).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = Tensor.make(shape) { dst in copyStrided(into: dst.baseAddress!) }
        return Tensor.result(out, inputs: [self], name: "contiguous") { [shape] g in [try reshape(g, shape)] }
    }

    /// True when this tensor holds the only reference to its storage (no view shares it).
    func storageIsUnshared() -> Bool { isKnownUniquelyReferenced(&storage) }

    /// A contiguous copy in fresh storage (never shares memory with `self`), outside the graph.
    public func copy() -> Tensor {
        Tensor.make(shape) { dst in if let base = dst.baseAddress { copyStrided(into: base) } }
    }

    /// Reads a contiguous tensor's elements. Non-contiguous tensors are made contiguous first.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        let c = contiguous()
        return try body(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// Writes in place (KV caches, optimizers). Only for contiguous tensors — on others the writes
    /// would land in a temporary copy, so this traps as a programmer error. Writes bypass autograd.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(isContiguous, "withUnsafeMutableBufferPointer needs a contiguous tensor; call contiguous() first")
        return try body(UnsafeMutableBufferPointer(start: storage.pointer + offset, count: count))
    }

    /// Copies the elements of a strided view into contiguous memory.
    func copyStrided(into dst: UnsafeMutablePointer<Float>) {
        let n = count
        if n == 0 { return }
        let src = storage.pointer
        let r = rank
        if r == 0 { dst[0] = src[offset]; return }
        let inner = shape[r - 1], innerStride = strides[r - 1]
        if isContiguous { dst.update(from: src + offset, count: n); return }
        var index = [Int](repeating: 0, count: r)
        var o = 0
        while o < n {
            var base = offset
            for d in 0..<(r - 1) { base += index[d] * strides[d] }
            if innerStride == 1 {
                (dst + o).update(from: src + base, count: inner)
            } else if innerStride == 0 {
                (dst + o).update(repeating: src[base], count: inner)
            } else {
                for i in 0..<inner { dst[o + i] = src[base + i * innerStride] }
            }
            o += inner
            var d = r - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }

    // MARK: Autograd

    /// A copy of the value cut from the graph (a constant leaf).
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    public func zeroGrad() { grad = nil }

    /// Back-propagates from this single-element tensor (seed 1) into every trainable leaf's
    /// `.grad`, accumulating. The graph behind it is released afterwards (its saved activations
    /// freed), so each graph supports one backward pass.
    public func backward() throws {
        guard count == 1 else {
            throw TensorError.shapeMismatch(op: "backward", shapes: [shape], reason: "backward() needs a single-element tensor; use backward(gradient:)")
        }
        try backward(gradient: Tensor.full(1, shape: shape))
    }

    public func backward(gradient: Tensor) throws {
        guard gradient.shape == shape else {
            throw TensorError.shapeMismatch(op: "backward", shapes: [shape, gradient.shape], reason: "gradient must match the tensor's shape")
        }
        try Autograd.run(from: self, gradient: gradient)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = count <= 8 ? scalars.map { "\($0)" }.joined(separator: ", ") : "…"
        return "Tensor(shape: \(shape), [\(values)])"
    }
}
