import Foundation

/// Errors of the decoding loop that are not the model's (those are ``Models/ModelError``).
public enum GenerationError: Error, CustomStringConvertible {
    /// A batch of samples whose KV caches would not fit in the memory available.
    case batchExceedsMemory(sequences: Int, bytesNeeded: Int, bytesAvailable: Int)

    public var description: String {
        switch self {
        case let .batchExceedsMemory(sequences, needed, available):
            let gib = { (bytes: Int) in String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }
            return "a batch of \(sequences) samples needs about \(gib(needed)) for KV caches and logits, "
                + "but \(gib(available)) of memory is available: lower the batch size (--max-batch) or --max-tokens"
        }
    }
}
