import TensorEngine

/// Keys and values of every layer for the positions already processed, so each decoding step
/// only runs the new tokens. Shapes per layer: [B, Hkv, S, D]; all layers advance together.
public final class KVCache {
    public internal(set) var keys: [Tensor?]
    public internal(set) var values: [Tensor?]
    /// Number of positions already stored.
    public internal(set) var length: Int = 0
    public let capacity: Int

    public init(layers: Int, capacity: Int) {
        self.keys = Array(repeating: nil, count: layers)
        self.values = Array(repeating: nil, count: layers)
        self.capacity = capacity
    }

    /// Appends this step's keys/values for `layer` and returns everything stored for it.
    func append(layer: Int, key: Tensor, value: Tensor) throws -> (Tensor, Tensor) {
        let newLength = (keys[layer]?.shape[2] ?? 0) + key.shape[2]
        guard newLength <= capacity else { throw ModelError.contextOverflow(tokens: newLength, limit: capacity) }
        if let k = keys[layer], let v = values[layer] {
            keys[layer] = try concat([k, key], axis: 2)
            values[layer] = try concat([v, value], axis: 2)
        } else {
            keys[layer] = key.contiguous()
            values[layer] = value.contiguous()
        }
        if layer == keys.count - 1 { length = newLength }
        return (keys[layer]!, values[layer]!)
    }

    /// Drops everything (a new conversation).
    public func reset() {
        keys = Array(repeating: nil, count: keys.count)
        values = Array(repeating: nil, count: values.count)
        length = 0
    }
}

extension KVCache {
    /// A cache holding the same positions, to continue several samples from one prefill.
    /// (Cached tensors are never written in place, so sharing them is safe.)
    public func copy() -> KVCache {
        let c = KVCache(layers: keys.count, capacity: capacity)
        c.keys = keys
        c.values = values
        c.length = length
        return c
    }
}
