/// A reference-counted, fixed-size buffer of Float32 that tensors view. Views (reshape, permute,
/// slice) share one storage; it is freed when the last view goes away.
public final class Storage {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Uninitialised storage (callers fill every element).
    public init(uninitializedCount count: Int) {
        _ = Storage.allocatorTuned
        self.count = count
        self.pointer = .allocate(capacity: max(count, 1))
    }

    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    public convenience init(_ values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    /// glibc serves blocks above 128 KiB–32 MiB with fresh mmap()s that are page-faulted on first
    /// touch and munmap()ed on free; activations are exactly such blocks, allocated and freed
    /// every step. Keeping them on the heap instead saves about a quarter of a training step.
    /// The cost: the process keeps its peak heap until it exits.
    private static let allocatorTuned: Void = {
        #if os(Linux)
        _ = glibcMallopt(-3, 1 << 30)   // M_MMAP_THRESHOLD
        // Never give the heap's free top back: a training step frees its activations (GBs) and
        // allocates them again in the next step, which would page-fault and zero them all anew.
        _ = glibcMallopt(-1, -1)        // M_TRIM_THRESHOLD = SIZE_MAX
        #endif
    }()

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}

#if os(Linux)
/// glibc's mallopt(3) (declared in malloc.h, which Swift's Glibc module does not import).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
