import Foundation
import TensorEngine

/// Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)), for inference: in place, 16 lanes at a time, with
/// erf from the rational approximation Eigen and TensorFlow use for float32 (odd degree-13 over
/// even degree-8 polynomial on [-4, 4], where |erf| rounds to 1 outside; max error ~1e-7, within
/// float32 rounding of `Foundation.erf`). The engine's `gelu` calls `erf` per element and was a
/// third of an encoder pass; this one costs a few percent.
///
/// Only for tensors nothing else references (a fresh projection output) and only without
/// autograd; otherwise it returns the engine's differentiable `gelu`.
func inferenceGELU(_ x: Tensor) throws -> Tensor {
    guard !Tensor.isGradEnabled, x.isContiguous else { return try gelu(x) }
    x.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let n = buffer.count, chunk = 1 << 14
        let chunks = (n + chunk - 1) / chunk
        let body = { (c: Int) in
            let start = c * chunk, end = min(n, start + chunk)
            var i = start
            while i + 16 <= end {
                let p = UnsafeMutableRawPointer(base + i)
                p.storeBytes(of: geluLanes(p.loadUnaligned(as: SIMD16<Float>.self)), as: SIMD16<Float>.self)
                i += 16
            }
            while i < end {
                var lanes = SIMD16<Float>(repeating: 0)
                lanes[0] = base[i]
                base[i] = geluLanes(lanes)[0]
                i += 1
            }
        }
        if chunks > 1 { DispatchQueue.concurrentPerform(iterations: chunks, execute: body) } else { body(0) }
    }
    return x
}

@inline(__always)
func geluLanes(_ x: SIMD16<Float>) -> SIMD16<Float> {
    0.5 * x * (1 + erfLanes(x * 0.70710678118654752))
}

/// erf on 16 lanes (see `inferenceGELU`).
@inline(__always)
func erfLanes(_ input: SIMD16<Float>) -> SIMD16<Float> {
    let x = input.clamped(lowerBound: SIMD16(repeating: -4), upperBound: SIMD16(repeating: 4))
    let x2 = x * x
    var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
    p = x2 * p + -2.10102402082508e-06
    p = x2 * p + -5.69250639462346e-05
    p = x2 * p + -7.34990630326855e-04
    p = x2 * p + -2.95459980854025e-03
    p = x2 * p + -1.60960333262415e-02
    p = x * p
    var q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
    q = x2 * q + -1.68282697438203e-03
    q = x2 * q + -7.37332916720468e-03
    q = x2 * q + -1.42647390514189e-02
    return p / q
}
