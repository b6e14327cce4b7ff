import Foundation
import Models

/// The memory a batch of samples needs beyond the weights — each sample's KV caches (one per
/// model: conformative decoding has two) at their full length, and its logits — checked against
/// the memory the system has available before any sample starts, so that an oversized
/// `--max-batch` is refused with the estimate instead of exhausting memory mid-run.
public enum BatchMemory {
    /// Bytes one sample of `positions` positions holds in `models`' KV caches and logits.
    public static func bytesPerSequence(positions: Int, models: [LanguageModel]) -> Int {
        models.reduce(0) { total, model in
            let c = model.configuration
            let positions = min(positions, c.maxPositionEmbeddings)
            // Keys and values, Float32, per layer and position; plus a few vocabulary-sized rows
            // (logits, the sampler's candidates).
            return total + c.numHiddenLayers * 2 * c.numKeyValueHeads * c.headDim * 4 * positions + 4 * c.vocabSize * 4
        }
    }

    /// Throws ``GenerationError/batchExceedsMemory`` when `sequences` samples need more than is available.
    public static func check(sequences: Int, positions: Int, models: [LanguageModel], available: Int? = availableBytes()) throws {
        try check(sequences: sequences, bytesPerSequence: bytesPerSequence(positions: positions, models: models), available: available)
    }

    /// The same for samples of `bytesPerSequence` each.
    static func check(sequences: Int, bytesPerSequence: Int, available: Int? = availableBytes()) throws {
        let (needed, overflow) = bytesPerSequence.multipliedReportingOverflow(by: sequences)
        guard let available, overflow || needed > available else { return }
        throw GenerationError.batchExceedsMemory(sequences: sequences, bytesNeeded: overflow ? Int.max : needed, bytesAvailable: available)
    }

    /// Memory the system can give without swapping (Linux: MemAvailable in /proc/meminfo), else the
    /// physical memory; nil when neither is known.
    public static func availableBytes() -> Int? {
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kib = Int(line.split(separator: " ")[1]) {
            return kib * 1024
        }
        let physical = ProcessInfo.processInfo.physicalMemory
        return physical > 0 ? Int(clamping: physical) : nil
    }
}
