import Foundation

/// Binary elementwise ops with NumPy broadcasting, and their scalar forms.
///
/// Fast paths (no index arithmetic per element): equal shapes, and a right operand that repeats
/// along leading dimensions (biases, norm weights). Every other broadcast does its index
/// arithmetic once per output row and runs SIMD along the row.

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

@inline(__always)
private func apply(_ kind: BinaryKind, _ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
    switch kind {
    case .add: return x + y
    case .sub: return x - y
    case .mul: return x * y
    case .div: return x / y
    }
}

/// out[i] = a[i·sa] ∘ b[i·sb] for i < n, with sa, sb ∈ {0, 1} (0 = a broadcast scalar).
@inline(__always)
private func row(_ kind: BinaryKind, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                 _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == 0 { return }
    var i = 0
    let va = SIMD16<Float>(repeating: a[0]), vb = SIMD16<Float>(repeating: b[0])
    while i + 16 <= n {
        let x = sa == 0 ? va : Vectorized.load(a + i)
        let y = sb == 0 ? vb : Vectorized.load(b + i)
        Vectorized.store(apply(kind, x, y), out + i)
        i += 16
    }
    while i < n { out[i] = apply(kind, a[i * sa], b[i * sb]); i += 1 }
}

/// out = a ∘ b over contiguous buffers where b repeats every `period` elements (period == n: same shape).
private func kernel(_ kind: BinaryKind, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, period: Int,
                    _ out: UnsafeMutablePointer<Float>, n: Int) {
    if period == n {
        EngineThreads.parallelRanges((n + 4095) / 4096, work: n) { chunks in
            let lo = chunks.lowerBound * 4096, hi = min(n, chunks.upperBound * 4096)
            row(kind, a + lo, 1, b + lo, 1, out + lo, hi - lo)
        }
        return
    }
    EngineThreads.parallelRanges(n / period, work: n) { rows in
        for r in rows { row(kind, a + r * period, 1, b, period == 1 ? 0 : 1, out + r * period, period) }
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

/// Any broadcast: index arithmetic once per output row (last axis), a SIMD loop along it.
private func generalBroadcast(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor, shape: [Int], into out: UnsafeMutablePointer<Float>) {
    let r = shape.count
    if r == 0 { out[0] = apply(kind, a.storage.pointer[a.offset], b.storage.pointer[b.offset]); return }
    func strides(_ t: Tensor) -> [Int] {
        let s = Shape.contiguousStrides(t.shape)
        return (0..<r).map { d in
            let td = d - (r - t.rank)
            return td < 0 || t.shape[td] == 1 ? 0 : s[td]
        }
    }
    let sa = strides(a), sb = strides(b)
    let pa = a.storage.pointer + a.offset, pb = b.storage.pointer + b.offset
    let inner = shape[r - 1], rows = Shape.count(shape) / max(inner, 1)
    if inner == 0 { return }
    EngineThreads.parallelRanges(rows, work: rows * inner) { range in
        for o in range {
            var rest = o, ia = 0, ib = 0
            for d in stride(from: r - 2, through: 0, by: -1) {
                let coordinate = rest % shape[d]
                rest /= shape[d]
                ia += coordinate * sa[d]
                ib += coordinate * sb[d]
            }
            row(kind, pa + ia, sa[r - 1], pb + ib, sb[r - 1], out + o * inner, inner)
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

/// x + s and x·s lane-wise (the scalar is a stored property, so the kernels still specialise).
struct AddScalarLanes: LaneFunction {
    let s: Float
    @inline(__always) func value(_ x: Vectorized.V) -> Vectorized.V { x + Vectorized.V(repeating: s) }
    @inline(__always) func derivative(x: Vectorized.V, y: Vectorized.V) -> Vectorized.V { Vectorized.V(repeating: 1) }
}
struct MulScalarLanes: LaneFunction {
    let s: Float
    @inline(__always) func value(_ x: Vectorized.V) -> Vectorized.V { x * Vectorized.V(repeating: s) }
    @inline(__always) func derivative(x: Vectorized.V, y: Vectorized.V) -> Vectorized.V { Vectorized.V(repeating: s) }
}
public func add(_ a: Tensor, _ s: Float) throws -> Tensor { try vectorUnary(a, name: "add_scalar", AddScalarLanes(s: s)) }
public func sub(_ a: Tensor, _ s: Float) throws -> Tensor { try add(a, -s) }
public func mul(_ a: Tensor, _ s: Float) throws -> Tensor { try vectorUnary(a, name: "mul_scalar", MulScalarLanes(s: s)) }
public func div(_ a: Tensor, _ s: Float) throws -> Tensor { try mul(a, 1 / s) }
public func neg(_ a: Tensor) throws -> Tensor { try mul(a, -1) }

/// xᵖ elementwise (for integer p, negative x is fine; otherwise x must be positive).
public func pow(_ x: Tensor, _ p: Float) throws -> Tensor {
    try unary(x, name: "pow", { Foundation.pow($0, p) }, derivative: { x, _ in p * Foundation.pow(x, p - 1) })
}

/// `x` viewed with `shape` by NumPy broadcasting (size-1 or missing leading dimensions repeat):
/// no copy — the repeated dimensions get stride 0. Backward sums the gradient back.
public func broadcast(_ x: Tensor, to shape: [Int]) throws -> Tensor {
    guard try Shape.broadcast(x.shape, shape, op: "broadcast") == shape else {
        throw TensorError.shapeMismatch(op: "broadcast", shapes: [x.shape, shape], reason: "cannot broadcast to the target shape")
    }
    if x.shape == shape { return x }
    let extra = shape.count - x.rank
    let strides = (0..<shape.count).map { d in d < extra || x.shape[d - extra] != shape[d] ? 0 : x.strides[d - extra] }
    let out = Tensor(storage: x.storage, shape: shape, strides: strides, offset: x.offset)
    return Tensor.result(out, inputs: [x], name: "broadcast") { g in [try sumToShape(g, x.shape)] }
}

public func + (a: Tensor, b: Tensor) throws -> Tensor { try add(a, b) }
public func - (a: Tensor, b: Tensor) throws -> Tensor { try sub(a, b) }
public func * (a: Tensor, b: Tensor) throws -> Tensor { try mul(a, b) }
public func / (a: Tensor, b: Tensor) throws -> Tensor { try div(a, b) }
public func + (a: Tensor, s: Float) throws -> Tensor { try add(a, s) }
public func - (a: Tensor, s: Float) throws -> Tensor { try sub(a, s) }
public func * (a: Tensor, s: Float) throws -> Tensor { try mul(a, s) }
public func / (a: Tensor, s: Float) throws -> Tensor { try div(a, s) }
public prefix func - (a: Tensor) throws -> Tensor { try neg(a) }
