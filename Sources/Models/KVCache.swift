import TensorEngine

/// Keys and values of every layer for the positions already processed, so each decoding step
/// only runs the new tokens. Shapes per layer: [B, Hkv, S, D]; all layers advance together.
///
/// Each layer's positions live in a buffer [B, Hkv, allocated, D] that grows by doubling (up to
/// `capacity`); a step writes its new positions in place and attention reads a view of the first
/// S. Appending is amortised O(1) per token instead of re-copying the whole cache every step.
public final class KVCache {
    /// Number of positions already stored.
    public internal(set) var length: Int = 0
    public let capacity: Int
    private var keyBuffers: [Tensor?]
    private var valueBuffers: [Tensor?]
    /// Positions stored per layer (layers before the current one are one step ahead mid-step).
    private var stored: [Int]

    public init(layers: Int, capacity: Int) {
        self.keyBuffers = Array(repeating: nil, count: layers)
        self.valueBuffers = Array(repeating: nil, count: layers)
        self.stored = Array(repeating: 0, count: layers)
        self.capacity = capacity
    }

    /// Views of the stored keys/values per layer, [B, Hkv, length, D] (nil before the first step).
    public var keys: [Tensor?] { keyBuffers.indices.map { try? view(keyBuffers[$0], layer: $0) } }
    public var values: [Tensor?] { valueBuffers.indices.map { try? view(valueBuffers[$0], layer: $0) } }

    private func view(_ buffer: Tensor?, layer: Int) throws -> Tensor? {
        guard let buffer, stored[layer] > 0 else { return nil }
        return try slice(buffer, axis: 2, range: 0..<stored[layer])
    }

    /// Positions stored for `layer` (layers before the current one are one step ahead mid-step).
    func storedLength(layer: Int) -> Int { stored[layer] }

    /// Appends this step's keys/values [B, Hkv, T, D] for `layer` and returns everything stored for it.
    func append(layer: Int, key: Tensor, value: Tensor) throws -> (Tensor, Tensor) {
        let old = storedLength(layer: layer)
        let newLength = old + key.shape[2]
        guard newLength <= capacity else { throw ModelError.contextOverflow(tokens: newLength, limit: capacity) }
        let kept = try Self.write(key, into: &keyBuffers[layer], at: old, length: newLength, capacity: capacity)
        let keptValues = try Self.write(value, into: &valueBuffers[layer], at: old, length: newLength, capacity: capacity)
        advance(layer: layer, to: newLength)
        return (kept, keptValues)
    }

    /// The dense buffers of `layer` [1, Hkv, allocated, D] with room for one more position (grown
    /// when full), for a decode step that writes it in place (``advance(layer:to:)`` then counts
    /// it). Nil before anything is stored, or for a cache of several rows.
    func room(layer: Int) throws -> (keys: Tensor, values: Tensor)? {
        let length = stored[layer] + 1
        guard length <= capacity else { throw ModelError.contextOverflow(tokens: length, limit: capacity) }
        guard stored[layer] > 0, let keys = keyBuffers[layer], let values = valueBuffers[layer], keys.shape[0] == 1 else { return nil }
        guard length > keys.shape[2] else { return (keys, values) }
        let size = Self.grownSize(length, allocated: keys.shape[2], capacity: capacity), shape = (keys.shape[0], keys.shape[1], keys.shape[3])
        keyBuffers[layer] = Self.grown((keys, stored[layer]), size: size, shape: shape)
        valueBuffers[layer] = Self.grown((values, stored[layer]), size: size, shape: shape)
        return (keyBuffers[layer]!, valueBuffers[layer]!)
    }

    /// Positions a full buffer of `allocated` grows to for `length`: doubling, at least 64, at most `capacity`.
    private static func grownSize(_ length: Int, allocated: Int, capacity: Int) -> Int {
        min(capacity, max(length, 2 * allocated, 64))
    }

    /// Counts `layer`'s positions as `length` (all layers advanced: the cache's length).
    func advance(layer: Int, to length: Int) {
        stored[layer] = length
        if layer == stored.count - 1 { self.length = length }
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
            buffer = grown(buffer.map { ($0, start) }, size: grownSize(length, allocated: allocated, capacity: capacity), shape: (b, h, d))
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
        for i in keyBuffers.indices { keyBuffers[i] = nil; valueBuffers[i] = nil; stored[i] = 0 }
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
        let c = KVCache(layers: keyBuffers.count, capacity: capacity ?? self.capacity)
        guard kept > 0 else { return c }
        let allocated = min(c.capacity, kept + Self.copyRoom)
        // From the source's dense buffer (its first `length` positions are stored).
        func firstPositions(_ source: Tensor?) -> Tensor? {
            source.map { Self.grown(($0, kept), size: allocated, shape: ($0.shape[0], $0.shape[1], $0.shape[3])) }
        }
        for i in keyBuffers.indices {
            (c.keyBuffers[i], c.valueBuffers[i]) = (firstPositions(keyBuffers[i]), firstPositions(valueBuffers[i]))
            c.stored[i] = c.keyBuffers[i] == nil ? 0 : kept
        }
        c.length = kept
        return c
    }

    /// Positions a copy has room for beyond those it copies: one sample's usual length.
    static let copyRoom = 256
}
