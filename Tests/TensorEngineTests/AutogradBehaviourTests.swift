import Base
import Foundation
import Testing
@testable import TensorEngine

@Suite struct AutogradBehaviourTests {
    @Test func frozenWeightsPassGradientsThroughWithoutOwnGradient() throws {
        let x = random([3, 4], seed: 1), w = random([5, 4], seed: 2), a = random([2, 4], seed: 3)
        a.requiresGrad = true   // a trainable adapter in front of a frozen weight
        let h = try linear(x, weight: a)                  // [3, 2]
        let y = try linear(try matmul(h, a), weight: w)   // [3, 5] through frozen w
        try sum(y).backward()
        #expect(w.grad == nil, "frozen weight must not receive a gradient")
        #expect(x.grad == nil)
        #expect(a.grad != nil)
    }

    @Test func frozenLinearRecordsNoWeightGradientWork() throws {
        let x = random([3, 4], seed: 1), w = random([5, 4], seed: 2)
        x.requiresGrad = true
        let y = try linear(x, weight: w)
        try sum(y).backward()
        // d/dx Σ x·Wᵀ = column sums of W for every row.
        let colSums = (0..<4).map { j in (0..<5).reduce(Float(0)) { $0 + w.scalars[$1 * 4 + j] } }
        let expected = Array([[Float]](repeating: colSums, count: 3).joined())
        #expect(zip(x.grad!.scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(w.grad == nil)
    }

    @Test func noGradScopeRecordsNothing() throws {
        let w = random([4, 4], seed: 4)
        w.requiresGrad = true
        let y = try Tensor.withNoGrad { try matmul(w, w) }
        #expect(!y.requiresGrad && y.isLeaf)
        #expect(Tensor.isGradEnabled)
        #expect(throws: TensorError.self) { try sum(y).backward() }
    }

    @Test func gradientsAccumulateUntilZeroed() throws {
        let w = random([3], seed: 5)
        w.requiresGrad = true
        try sum(mul(w, 2)).backward()
        try sum(mul(w, 3)).backward()
        #expect(w.grad!.scalars == [5, 5, 5])
        w.zeroGrad()
        try sum(w).backward()
        #expect(w.grad!.scalars == [1, 1, 1])
    }

    /// A tensor read by several ops sums their gradients, in place when nothing else holds the
    /// running sum — but never into a gradient that is shared (add hands one tensor to both of its
    /// operands, and a view passes its gradient's memory on).
    @Test func gradientsOfSharedInputsSum() throws {
        let values: [Float] = (0..<40).map { Float($0) / 20 - 1 }
        let x = try Tensor(values, shape: [40])
        x.requiresGrad = true
        let doubled = try x + x                                   // one gradient tensor for both operands
        let viewed = try reshape(reshape(x, [4, 10]), [40])        // a view of a gradient
        try sum(doubled * x + exp(x) + viewed * 3 + x * 2).backward()
        let grad = try #require(x.grad).scalars
        for (g, v) in zip(grad, values) {
            #expect(abs(g - (4 * v + Foundation.exp(v) + 5)) < 1e-5)
        }
        // The in-place sum itself: only into a tensor whose object and memory nothing else holds.
        let one = try Tensor([1, 1, 1], shape: [3])
        var fresh = try Tensor([1, 2, 3], shape: [3])
        let freshID = ObjectIdentifier(fresh)
        let summed = try Autograd.accumulate(&fresh, one)
        #expect(ObjectIdentifier(summed) == freshID && summed.scalars == [2, 3, 4])
        var held = try Tensor([1, 2, 3], shape: [3])
        let alias = held
        #expect(try Autograd.accumulate(&held, one).scalars == [2, 3, 4] && alias.scalars == [1, 2, 3])
        let base = try Tensor([1, 2, 3], shape: [3])
        var view = try reshape(base, [3])
        #expect(try Autograd.accumulate(&view, one).scalars == [2, 3, 4] && base.scalars == [1, 2, 3])
    }

    @Test func backwardReleasesTheGraph() throws {
        let w = random([3], seed: 6)
        w.requiresGrad = true
        let loss = try sum(exp(w))
        try loss.backward()
        #expect(loss.isLeaf, "the node (and its saved activations) is dropped after backward")
    }

    @Test func intermediatesAreFreedAfterBackwardAndInNoGrad() throws {
        let w = random([4, 4], seed: 6)
        w.requiresGrad = true
        weak var intermediate: Tensor?
        let loss: Tensor = try {
            let h = try exp(matmul(w, w))
            intermediate = h
            return try sum(square(h))
        }()
        #expect(intermediate != nil, "the graph keeps the activation until backward")
        try loss.backward()
        #expect(intermediate == nil, "backward released the saved activation")
        weak var inference: Tensor?
        _ = try Tensor.withNoGrad { () -> Tensor in
            let h = try exp(matmul(w, w))
            inference = h
            return try sum(square(h))
        }
        #expect(inference == nil, "no-grad results keep no reference to their inputs")
    }

    @Test func leafGradientsNeverShareStorage() throws {
        let a = random([3], seed: 1), b = random([3], seed: 2)
        a.requiresGrad = true; b.requiresGrad = true
        try sum(add(a, b)).backward()
        let ga = try #require(a.grad), gb = try #require(b.grad)
        #expect(ga.storage !== gb.storage)
        ga.withUnsafeMutableBufferPointer { $0[0] = 42 }   // an optimizer scaling a gradient in place
        #expect(gb.scalars == [1, 1, 1])
        // A gradient that is a view of another tensor's memory is copied as well.
        let c = random([2, 3], seed: 3)
        c.requiresGrad = true
        let kept = try mul(c, 2)
        try sum(reshape(kept, [6])).backward()
        #expect(try #require(c.grad).isContiguous)
        #expect(c.grad!.scalars == [2, 2, 2, 2, 2, 2])
    }

    @Test func profilerChargesForwardAndBackward() throws {
        let x = random([8, 16], seed: 1), w = random([4, 16], seed: 2)
        w.requiresGrad = true
        let (_, seconds) = try EngineProfiler.measure { try sum(silu(linear(x, weight: w))).backward() }
        for name in ["linear", "silu", "sum", "linear backward", "silu backward"] {
            #expect(seconds[name] != nil, "\(name) is missing from \(seconds.keys.sorted())")
        }
        #expect(EngineProfiler.active == nil)
    }

    @Test func checkpointGivesTheSameGradients() throws {
        let x = random([2, 6], seed: 7), w1 = random([8, 6], seed: 8), w2 = random([6, 8], seed: 9)
        x.requiresGrad = true; w1.requiresGrad = true; w2.requiresGrad = true
        let block: ([Tensor]) throws -> Tensor = { inputs in try linear(silu(linear(inputs[0], weight: w1)), weight: w2) }
        try sum(square(block([x]))).backward()
        let reference = [x.grad!.scalars, w1.grad!.scalars, w2.grad!.scalars]
        for t in [x, w1, w2] { t.zeroGrad() }
        try sum(square(checkpoint([x], block))).backward()
        let checkpointed = [x.grad!.scalars, w1.grad!.scalars, w2.grad!.scalars]
        for (a, b) in zip(reference, checkpointed) { #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 }) }
    }

    @Test func shapeMismatchesNameTheShapes() throws {
        let a = random([2, 3], seed: 1), b = random([4, 5], seed: 2)
        do {
            _ = try matmul(a, b)
            Issue.record("expected an error")
        } catch let error as TensorError {
            #expect(error.description.contains("[2, 3]") && error.description.contains("[4, 5]"))
        }
        #expect(throws: TensorError.self) { try add(a, b) }
        #expect(throws: TensorError.self) { try reshape(a, [4]) }
        #expect(throws: TensorError.self) { try Tensor([1, 2, 3], shape: [2, 2]) }
        #expect(throws: TensorError.self) { try embedding(b, ids: [4], shape: [1]) }
        #expect(throws: TensorError.self) { try rmsNorm(a, weight: random([2], seed: 3), eps: 1e-5) }
        #expect(throws: TensorError.self) { try slice(a, axis: 1, range: 2..<4) }
        #expect(throws: TensorError.self) { try tokenLogProbs(logits: random([1, 2, 3], seed: 4), targets: [[0, 3]]) }
    }

    @Test func viewsShareStorage() throws {
        let x = try Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let p = try permute(x, [2, 0, 1])
        #expect(p.storage === x.storage && !p.isContiguous)
        #expect(try slice(x, axis: 1, range: 1..<2).scalars == [4, 5, 6, 7, 16, 17, 18, 19])
        #expect(try reshape(x, [6, 4]).storage === x.storage)
        #expect(try transpose(reshape(x, [6, 4]), 0, 1).contiguous().scalars[0..<6] == [0, 4, 8, 12, 16, 20])
    }

    @Test func halfPrecisionConversions() throws {
        let values: [Float] = [0, -0, 1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 0.1, .infinity]
        for v in values {
            let bits = HalfPrecision.float16Bits(from: v)
            #expect(bits == HalfPrecision.softwareFloat16Bits(from: v), "software F16 rounding of \(v)")
            let back = HalfPrecision.float(fromFloat16Bits: bits)
            #expect(back == Float(Float16(v)))
        }
        #expect(HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: 1.00390625)) == 1.0, "ties round to even")
        #expect(HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: 3.140625)) == 3.140625)
        let t = try Tensor(bfloat16Bits: [0x3F80, 0xC000], shape: [2])
        #expect(t.scalars == [1, -2])
    }

    @Test func float16RoundTripsEveryBitPattern() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(fromFloat16Bits: bits)
            if value.isNaN { continue }
            #expect(value == Float(Float16(bitPattern: bits)), "decode \(bits)")
            #expect(HalfPrecision.softwareFloat(fromFloat16Bits: bits) == value, "software decode \(bits)")
            #expect(HalfPrecision.float16Bits(from: value) == bits, "encode \(bits)")
            #expect(HalfPrecision.softwareFloat16Bits(from: value) == bits, "software encode \(bits)")
        }
        // Rounding of values between representable halves agrees with the hardware conversion.
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<20_000 {
            let v = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x47FF_FFFF | (rng.next() & 1 == 0 ? 0 : 0x8000_0000))
            #expect(HalfPrecision.softwareFloat16Bits(from: v) == Float16(v).bitPattern, "rounding \(v)")
        }
    }

    @Test func bfloat16RoundsToNearestEven() throws {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(fromBFloat16Bits: bits)
            if value.isNaN { #expect(HalfPrecision.bfloat16Bits(from: value) & 0x7F80 == 0x7F80); continue }
            #expect(HalfPrecision.bfloat16Bits(from: value) == bits, "round trip \(bits)")
        }
        var rng = SeededGenerator(seed: 10)
        for _ in 0..<20_000 {
            let v = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7F3F_FFFF)   // finite, below the overflow boundary
            let rounded = HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: v))
            let below = Float(bitPattern: v.bitPattern & 0xFFFF_0000), above = Float(bitPattern: (v.bitPattern & 0xFFFF_0000) + 0x1_0000)
            let nearest = abs(v - below) < abs(above - v) ? below : abs(v - below) > abs(above - v) ? above
                : ((below.bitPattern >> 16) & 1 == 0 ? below : above)
            #expect(rounded == nearest, "bf16 rounding of \(v)")
        }
        let t = try Tensor(float16Bits: [0x3C00, 0xC100, 0x0001], shape: [3])
        #expect(t.scalars == [1, -2.5, 5.960_464_5e-8])
        #expect(t.float16Bits == [0x3C00, 0xC100, 0x0001])
        let b = try Tensor(bfloat16Bits: [0x3F80, 0xC020, 0x0001], shape: [3])
        #expect(b.bfloat16Bits == [0x3F80, 0xC020, 0x0001])
    }

    @Test func seededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
        var g = SeededGenerator(seed: 1)
        let normals = (0..<20000).map { _ in Double(g.nextGaussian()) }
        let mean = normals.reduce(0, +) / 20000
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20000
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    }
}
