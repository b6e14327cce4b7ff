/// Binary elementwise ops with NumPy broadcasting, and their scalar forms.
///
/// Fast paths (no index arithmetic per element): equal shapes, a scalar operand, and a right operand
/// that repeats along leading dimensions (biases, norm weights). Everything else goes through a
/// general strided loop.

enum BinaryKind { case add, sub, mul, div }

@inline(__always)
private func apply(_ kind: BinaryKind, _ x: Float, _ y: Float) -> Float {
    switch kind {
    case .add: return x + y
    case .sub: return x - y
    case .mul: return x * y
    case .div: return x / y
    }
}

/// out = a ∘ b over contiguous buffers where b repeats every `period` elements (period == n: same shape).
private func kernel(_ kind: BinaryKind, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, period: Int,
                    _ out: UnsafeMutablePointer<Float>, n: Int) {
    EngineThreads.parallelRanges(n / period, work: n) { rows in
        for r in rows {
            let base = r * period
            var i = 0
            let pa = a + base, po = out + base
            while i + 16 <= period {
                let va = UnsafeRawPointer(pa + i).loadUnaligned(as: SIMD16<Float>.self)
                let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
                let vo: SIMD16<Float>
                switch kind {
                case .add: vo = va + vb
                case .sub: vo = va - vb
                case .mul: vo = va * vb
                case .div: vo = va / vb
                }
                UnsafeMutableRawPointer(po + i).storeBytes(of: vo, as: SIMD16<Float>.self)
                i += 16
            }
            while i < period { po[i] = apply(kind, pa[i], b[i]); i += 1 }
        }
    }
}

func binary(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor, name: String) throws -> Tensor {
    let shape = try Shape.broadcast(a.shape, b.shape, op: name)
    let n = Shape.count(shape)
    let out: Tensor
    let ac = a.contiguous(), bc = b.contiguous()
    let pa = ac.storage.pointer + ac.offset, pb = bc.storage.pointer + bc.offset
    if a.shape == shape && (b.shape == shape || isTrailingSuffix(b.shape, of: shape)) && bc.count > 0 {
        out = Tensor.make(shape) { o in kernel(kind, pa, pb, period: bc.count, o.baseAddress!, n: n) }
    } else if b.shape == shape && a.count == 1 {
        let s = pa[0]
        out = Tensor.make(shape) { o in for i in 0..<n { o[i] = apply(kind, s, pb[i]) } }
    } else {
        out = Tensor.make(shape) { o in generalBroadcast(kind, ac, bc, shape: shape, into: o.baseAddress!) }
    }
    return Tensor.result(out, inputs: [a, b], name: name) { g in
        var ga: Tensor?, gb: Tensor?
        switch kind {
        case .add:
            if a.requiresGrad { ga = try sumToShape(g, a.shape) }
            if b.requiresGrad { gb = try sumToShape(g, b.shape) }
        case .sub:
            if a.requiresGrad { ga = try sumToShape(g, a.shape) }
            if b.requiresGrad { gb = try sumToShape(neg(g), b.shape) }
        case .mul:
            if a.requiresGrad { ga = try sumToShape(mul(g, bc), a.shape) }
            if b.requiresGrad { gb = try sumToShape(mul(g, ac), b.shape) }
        case .div:
            if a.requiresGrad { ga = try sumToShape(div(g, bc), a.shape) }
            if b.requiresGrad { gb = try sumToShape(neg(div(mul(g, ac), mul(bc, bc))), b.shape) }
        }
        return [ga, gb]
    }
}

/// True when `small` equals the trailing dimensions of `shape` (after dropping leading 1s), so it
/// repeats with period `count(small)` in row-major order.
private func isTrailingSuffix(_ small: [Int], of shape: [Int]) -> Bool {
    let s = Array(small.drop(while: { $0 == 1 }))
    return s.count <= shape.count && Array(shape.suffix(s.count)) == s
}

private func generalBroadcast(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor, shape: [Int], into out: UnsafeMutablePointer<Float>) {
    let r = shape.count
    func strides(_ t: Tensor) -> [Int] {
        let s = Shape.contiguousStrides(t.shape)
        return (0..<r).map { d in
            let td = d - (r - t.rank)
            return td < 0 || t.shape[td] == 1 ? 0 : s[td]
        }
    }
    let sa = strides(a), sb = strides(b)
    let pa = a.storage.pointer + a.offset, pb = b.storage.pointer + b.offset
    var index = [Int](repeating: 0, count: r)
    for o in 0..<Shape.count(shape) {
        var ia = 0, ib = 0
        for d in 0..<r { ia += index[d] * sa[d]; ib += index[d] * sb[d] }
        out[o] = apply(kind, pa[ia], pb[ib])
        var d = r - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < shape[d] { break }
            index[d] = 0
            d -= 1
        }
    }
}

/// Sums a broadcast gradient back to the shape of the operand it came from.
public func sumToShape(_ g: Tensor, _ shape: [Int]) throws -> Tensor {
    if g.shape == shape { return g }
    let extra = g.rank - shape.count
    var axes = Array(0..<extra)
    for (i, size) in shape.enumerated() where size == 1 && g.shape[i + extra] != 1 { axes.append(i + extra) }
    let reduced = try sum(g, axes: axes, keepDims: true)
    return try reshape(reduced, shape)
}

public func add(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.add, a, b, name: "add") }
public func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.sub, a, b, name: "sub") }
public func mul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.mul, a, b, name: "mul") }
public func div(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.div, a, b, name: "div") }

public func add(_ a: Tensor, _ s: Float) throws -> Tensor { try unary(a, name: "add_scalar", { $0 + s }, derivative: { _, _ in 1 }) }
public func mul(_ a: Tensor, _ s: Float) throws -> Tensor { try unary(a, name: "mul_scalar", { $0 * s }, derivative: { _, _ in s }) }
public func neg(_ a: Tensor) throws -> Tensor { try mul(a, -1) }

public func + (a: Tensor, b: Tensor) throws -> Tensor { try add(a, b) }
public func - (a: Tensor, b: Tensor) throws -> Tensor { try sub(a, b) }
public func * (a: Tensor, b: Tensor) throws -> Tensor { try mul(a, b) }
public func / (a: Tensor, b: Tensor) throws -> Tensor { try div(a, b) }
public func + (a: Tensor, s: Float) throws -> Tensor { try add(a, s) }
public func * (a: Tensor, s: Float) throws -> Tensor { try mul(a, s) }
