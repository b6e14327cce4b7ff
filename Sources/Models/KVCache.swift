import TensorEngine

/// Keys and values of every layer for the positions already processed, so each decoding step
/// only runs the new tokens. Shapes per layer: [B, Hkv, S, D]; all layers advance together.
///
/// Each layer's positions live in a buffer [B, Hkv, allocated, D] that grows by doubling (up to
/// `capacity`); a step writes its new positions in place and attention reads a view of the first
/// S. Appending is amortised O(1) per token instead of re-copying the whole cache every step.
public final class KVCache {
    /// Views of the stored keys/values per layer, [B, Hkv, length, D] (nil before the first step).
    public private(set) var keys: [Tensor?]
    public private(set) var values: [Tensor?]
    /// Number of positions already stored.
    public internal(set) var length: Int = 0
    public let capacity: Int
    private var keyBuffers: [Tensor?]
    private var valueBuffers: [Tensor?]

    public init(layers: Int, capacity: Int) {
        self.keys = Array(repeating: nil, count: layers)
        self.values = Array(repeating: nil, count: layers)
        self.keyBuffers = Array(repeating: nil, count: layers)
        self.valueBuffers = Array(repeating: nil, count: layers)
        self.capacity = capacity
    }

    /// Positions stored for `layer` (layers before the current one are one step ahead mid-step).
    func storedLength(layer: Int) -> Int { keys[layer]?.shape[2] ?? 0 }

    /// Appends this step's keys/values [B, Hkv, T, D] for `layer` and returns everything stored for it.
    func append(layer: Int, key: Tensor, value: Tensor) throws -> (Tensor, Tensor) {
        let old = storedLength(layer: layer)
        let newLength = old + key.shape[2]
        guard newLength <= capacity else { throw ModelError.contextOverflow(tokens: newLength, limit: capacity) }
        let kept = try Self.write(key, into: &keyBuffers[layer], at: old, length: newLength, capacity: capacity)
        let keptValues = try Self.write(value, into: &valueBuffers[layer], at: old, length: newLength, capacity: capacity)
        keys[layer] = kept
        values[layer] = keptValues
        if layer == keys.count - 1 { length = newLength }
        return (kept, keptValues)
    }

    /// Copies `x` [B, H, T, D] to positions `at ..< at + T` of `buffer` (grown when full) and
    /// returns the view of positions `0 ..< length`.
    private static func write(_ x: Tensor, into buffer: inout Tensor?, at start: Int, length: Int, capacity: Int) throws -> Tensor {
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        if let old = buffer, start > 0, [old.shape[0], old.shape[1], old.shape[3]] != [b, h, d] {
            throw ModelError.invalidInput("a KV cache holding [\(old.shape[0]), \(old.shape[1]), \(start), \(old.shape[3])] cannot take positions of shape \(x.shape)")
        }
        let allocated = buffer?.shape[2] ?? 0
        if buffer == nil || length > allocated || [buffer!.shape[0], buffer!.shape[1], buffer!.shape[3]] != [b, h, d] {
            buffer = grown(buffer.map { ($0, start) }, size: min(capacity, max(length, 2 * allocated, 64)), shape: (b, h, d))
        }
        copyPositions(from: x.contiguous(), 0..<t, into: buffer!, at: start)
        return try slice(buffer!, axis: 2, range: 0..<length)
    }

    /// A buffer [b, h, size, d] holding the first `kept` positions of `source` (a dense buffer of
    /// the same b, h, d). Positions from `kept` on are written before any view reaches them, so
    /// they are not cleared.
    private static func grown(_ source: (buffer: Tensor, kept: Int)?, size: Int, shape: (b: Int, h: Int, d: Int)) -> Tensor {
        let buffer = Tensor.make([shape.b, shape.h, size, shape.d]) { _ in }
        if let source, source.kept > 0 { copyPositions(from: source.buffer, 0..<source.kept, into: buffer, at: 0) }
        return buffer
    }

    /// dst[:, :, at + i, :] = src[:, :, positions.lowerBound + i, :] (both dense [B, H, *, D] buffers).
    private static func copyPositions(from src: Tensor, _ positions: Range<Int>, into dst: Tensor, at: Int) {
        let (bh, d) = (src.shape[0] * src.shape[1], src.shape[3])
        let (srcLength, dstLength) = (src.shape[2], dst.shape[2])
        src.withUnsafeBufferPointer { ps in
            dst.withUnsafeMutableBufferPointer { pd in
                for i in 0..<bh {
                    (pd.baseAddress! + (i * dstLength + at) * d)
                        .update(from: ps.baseAddress! + (i * srcLength + positions.lowerBound) * d, count: positions.count * d)
                }
            }
        }
    }

    /// Drops everything (a new conversation).
    public func reset() {
        for i in keys.indices { keys[i] = nil; values[i] = nil; keyBuffers[i] = nil; valueBuffers[i] = nil }
        length = 0
    }
}

extension KVCache {
    /// A cache holding the same positions, to continue several samples from one prefill — or only
    /// the first `positions` of them, to continue another prompt that begins the same way. The
    /// copy owns its own buffers (steps write in place) with room for ``copyRoom`` more positions
    /// within `capacity` (at least the positions copied), so a sample of usual length never
    /// regrows them.
    public func copy(positions: Int? = nil, capacity: Int? = nil) -> KVCache {
        let kept = positions ?? length
        precondition((0...length).contains(kept), "KVCache.copy: \(kept) of \(length) positions")
        precondition((capacity ?? self.capacity) >= kept, "KVCache.copy: capacity below the positions copied")
        let c = KVCache(layers: keys.count, capacity: capacity ?? self.capacity)
        guard kept > 0 else { return c }
        let allocated = min(c.capacity, kept + Self.copyRoom)
        // From the source's dense buffer (its views hold the first `length` positions of it).
        func firstPositions(_ source: Tensor?) -> (buffer: Tensor, view: Tensor)? {
            source.map { source in
                let buffer = Self.grown((source, kept), size: allocated, shape: (source.shape[0], source.shape[1], source.shape[3]))
                return (buffer, try! slice(buffer, axis: 2, range: 0..<kept))   // kept ≤ allocated
            }
        }
        for i in keys.indices {
            let (k, v) = (firstPositions(keyBuffers[i]), firstPositions(valueBuffers[i]))
            (c.keyBuffers[i], c.keys[i]) = (k?.buffer, k?.view)
            (c.valueBuffers[i], c.values[i]) = (v?.buffer, v?.view)
        }
        c.length = kept
        return c
    }

    /// Positions a copy has room for beyond those it copies: one sample's usual length.
    static let copyRoom = 256
}
