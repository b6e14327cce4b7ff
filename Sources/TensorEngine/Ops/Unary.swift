import Foundation

/// Pointwise functions with their derivatives.
///
/// `unary` maps f over a tensor; backward multiplies the incoming gradient by f'(x, f(x)) (the
/// derivative may use the input, the output, or both).
func unary(_ x: Tensor, name: String, _ f: @escaping (Float) -> Float,
           derivative: @escaping (_ x: Float, _ y: Float) -> Float) throws -> Tensor {
    let xc = x.contiguous()
    let n = x.count
    let px = xc.storage.pointer + xc.offset
    let out = Tensor.make(x.shape) { o in
        let po = o.baseAddress!
        EngineThreads.parallelRanges(n, work: n * 8) { r in for i in r { po[i] = f(px[i]) } }
    }
    let outStorage = out.storage
    return Tensor.result(out, inputs: [x], name: name) { g in
        _ = xc   // keeps the input's data alive for px
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset, py = outStorage.pointer
        return [Tensor.make(x.shape) { d in
            let pd = d.baseAddress!
            EngineThreads.parallelRanges(n, work: n * 8) { r in for i in r { pd[i] = pg[i] * derivative(px[i], py[i]) } }
        }]
    }
}

/// A pointwise function run on 16 lanes at a time, with its derivative f'(x, f(x)), for
/// ``vectorUnary``. Kernels are types, not closures, so that each is specialised and inlined into
/// its loop: a SIMD16 passed through a closure call travels as four 128-bit registers, and the
/// masked selects of `exp` are then done in quarters (silu measured 2.7× slower that way).
protocol LaneFunction {
    func value(_ x: Vectorized.V) -> Vectorized.V
    func derivative(x: Vectorized.V, y: Vectorized.V) -> Vectorized.V
}

/// Like `unary`, but for the functions of hot paths, 16 lanes at a time.
func vectorUnary<F: LaneFunction>(_ x: Tensor, name: String, _ f: F) throws -> Tensor {
    let xc = x.contiguous()
    let n = x.count
    let px = xc.storage.pointer + xc.offset
    let out = Tensor.make(x.shape) { o in
        let po = o.baseAddress!
        EngineThreads.parallelRanges((n + 15) / 16, work: n * 4) { r in
            // Written out (not Vectorized.map with a closure) so f.value inlines into the loop.
            var i = r.lowerBound * 16
            let hi = min(n, r.upperBound * 16)
            while i + 16 <= hi { Vectorized.store(f.value(Vectorized.load(px + i)), po + i); i += 16 }
            if i < hi { Vectorized.store(f.value(Vectorized.load(px + i, count: hi - i)), po + i, count: hi - i) }
        }
    }
    let outStorage = out.storage
    return Tensor.result(out, inputs: [x], name: name) { g in
        _ = xc
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset, py = outStorage.pointer
        return [Tensor.make(x.shape) { d in
            let pd = d.baseAddress!
            EngineThreads.parallelRanges((n + 15) / 16, work: n * 4) { r in
                var i = r.lowerBound * 16
                let hi = min(n, r.upperBound * 16)
                while i + 16 <= hi {
                    let d = f.derivative(x: Vectorized.load(px + i), y: Vectorized.load(py + i))
                    Vectorized.store(Vectorized.load(pg + i) * d, pd + i)
                    i += 16
                }
                if i < hi {
                    let d = f.derivative(x: Vectorized.load(px + i, count: hi - i), y: Vectorized.load(py + i, count: hi - i))
                    Vectorized.store(Vectorized.load(pg + i, count: hi - i) * d, pd + i, count: hi - i)
                }
            }
        }]
    }
}

struct ExpLanes: LaneFunction {
    @inline(__always) func value(_ x: Vectorized.V) -> Vectorized.V { Vectorized.exp(x) }
    @inline(__always) func derivative(x: Vectorized.V, y: Vectorized.V) -> Vectorized.V { y }
}
public func exp(_ x: Tensor) throws -> Tensor { try vectorUnary(x, name: "exp", ExpLanes()) }
public func log(_ x: Tensor) throws -> Tensor { try unary(x, name: "log", { Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
public func sqrt(_ x: Tensor) throws -> Tensor { try unary(x, name: "sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
public func square(_ x: Tensor) throws -> Tensor { try unary(x, name: "square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
public func relu(_ x: Tensor) throws -> Tensor { try unary(x, name: "relu", { max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }
public func tanh(_ x: Tensor) throws -> Tensor { try unary(x, name: "tanh", { Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }

struct SigmoidLanes: LaneFunction {
    @inline(__always) func value(_ x: Vectorized.V) -> Vectorized.V { Vectorized.sigmoid(x) }
    @inline(__always) func derivative(x: Vectorized.V, y: Vectorized.V) -> Vectorized.V { y * (1 - y) }
}
/// σ(x) = 1 / (1 + e^(−x)).
public func sigmoid(_ x: Tensor) throws -> Tensor { try vectorUnary(x, name: "sigmoid", SigmoidLanes()) }

/// log σ(x) = −softplus(−x), stable for large |x| (the DPO loss is −log σ(β·margin)).
public func logSigmoid(_ x: Tensor) throws -> Tensor {
    try unary(x, name: "log_sigmoid", { v in min(v, 0) - Foundation.log1p(Foundation.exp(-abs(v))) },
              derivative: { x, _ in 1 - stableSigmoid(x) })
}

struct SiLULanes: LaneFunction {
    @inline(__always) func value(_ x: Vectorized.V) -> Vectorized.V { x * Vectorized.sigmoid(x) }
    @inline(__always) func derivative(x: Vectorized.V, y: Vectorized.V) -> Vectorized.V {
        let s = Vectorized.sigmoid(x)
        return s * (1 + x * (1 - s))
    }
}
/// SiLU (swish): x·σ(x).
public func silu(_ x: Tensor) throws -> Tensor { try vectorUnary(x, name: "silu", SiLULanes()) }

public enum GELUApproximation: Sendable { case none, tanh }

/// GELU: exact x·Φ(x) = ½x(1 + erf(x/√2)), or the tanh approximation
/// ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
public func gelu(_ x: Tensor, approximation: GELUApproximation = .none) throws -> Tensor {
    switch approximation {
    case .none:
        return try unary(x, name: "gelu", { 0.5 * $0 * (1 + Foundation.erf($0 * 0.70710678)) }, derivative: { x, _ in
            0.5 * (1 + Foundation.erf(x * 0.70710678)) + x * 0.39894228 * Foundation.exp(-0.5 * x * x)
        })
    case .tanh:
        let c: Float = 0.7978845608
        return try unary(x, name: "gelu_tanh", { v in 0.5 * v * (1 + Foundation.tanh(c * (v + 0.044715 * v * v * v))) }, derivative: { v, _ in
            let inner = c * (v + 0.044715 * v * v * v)
            let t = Foundation.tanh(inner)
            return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)
        })
    }
}

@inline(__always)
func stableSigmoid(_ x: Float) -> Float {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
}
