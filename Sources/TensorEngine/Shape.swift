/// Shape arithmetic shared by the ops: element counts, row-major strides, axis normalisation and
/// NumPy broadcasting.
public enum Shape {
    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = running
            running *= shape[i]
        }
        return strides
    }

    /// Maps a possibly negative axis into 0..<rank, or throws naming the op.
    public static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else {
            throw TensorError.invalidArgument(op: op, reason: "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    /// The NumPy broadcast of two shapes, or a shape-mismatch error.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw TensorError.shapeMismatch(op: op, shapes: [a, b], reason: "dimension \(i) is \(da) vs \(db) and cannot broadcast")
            }
            out[i] = max(da, db)
        }
        return out
    }
}
