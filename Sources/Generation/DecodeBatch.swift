import Base
import Models
import Sampling
import TensorEngine

/// Continuous batching (docs/methods.md §12): requests — a prompt, its sample count and its own
/// parameters — join the batch while it runs; each ``step()`` admits waiting samples up to
/// `maxBatch`, picks one token for every running sample and runs one forward pass over all of them,
/// which reads the weights once for the whole batch. A finished, failed or cancelled sample leaves
/// at once and the next waiting one takes its place. Every sample's tokens are those of decoding it
/// alone with the same seed: rows of a decode step do not interact.
///
/// Not thread-safe: one thread owns a batch and calls ``add(_:completion:)`` and ``step()``.
public final class DecodeBatch {
    /// One request: `count` samples of `prompt` (sample i seeded `parameters.seed + i`).
    public struct Request {
        public var prompt: Generator.Prompt
        public var count: Int
        public var parameters: GenerationParameters
        /// Reported as ``GeneratedPiece/prompt`` (a caller's index for the prompt).
        public var index: Int
        /// Streamed text of each sample; returning false cancels that sample.
        public var onPiece: ((GeneratedPiece) -> Bool)?
        /// Each sample (its index and result) the moment it finishes.
        public var onSample: ((Int, GeneratedSample) -> Void)?
        /// Checked before every step: true drops the request's samples (its client is gone).
        public var isCancelled: () -> Bool

        public init(prompt: Generator.Prompt, count: Int = 1, parameters: GenerationParameters, index: Int = 0,
                    onPiece: ((GeneratedPiece) -> Bool)? = nil, isCancelled: @escaping () -> Bool = { false },
                    onSample: ((Int, GeneratedSample) -> Void)? = nil) {
            self.prompt = prompt
            self.count = count
            self.parameters = parameters
            self.index = index
            self.onPiece = onPiece
            self.isCancelled = isCancelled
            self.onSample = onSample
        }
    }

    /// How a request ended: all its samples, an error (its own: the others go on), or cancelled.
    public enum Outcome {
        case finished([GeneratedSample])
        case failed(Error)
        case cancelled
    }

    public let maxBatch: Int
    private let model: LanguageModel
    private let base: LanguageModel?
    /// Memory the batch may fill with KV caches, read when the batch starts from empty (nil: unknown).
    private let availableBytes: () -> Int?
    private var budget: Int?
    private var waiting: [Group] = []
    private var active: [(decoder: SampleDecoder, group: Group)] = []

    /// `availableBytes` is read whenever the batch starts from empty: samples join only while their
    /// caches at full length fit in it; one that does not waits for the running ones to finish.
    public init(model: LanguageModel, base: LanguageModel? = nil, maxBatch: Int,
                availableBytes: @escaping () -> Int? = BatchMemory.availableBytes) throws {
        guard maxBatch >= 1 else { throw ModelError.invalidInput("the batch size must be ≥ 1, got \(maxBatch)") }
        self.model = model
        self.base = base
        self.maxBatch = maxBatch
        self.availableBytes = availableBytes
    }

    /// Samples decoding now.
    public var running: Int { active.count }
    /// Requests with samples that have not joined yet.
    public var waitingRequests: Int { waiting.count }
    /// Samples that have not joined yet.
    public var waitingSamples: Int { waiting.reduce(0) { $0 + $1.request.count - $1.joined } }
    public var isIdle: Bool { active.isEmpty && waiting.isEmpty }

    /// Queues `request`; `completion` runs (on the caller's thread, inside a later ``step()``) once
    /// all its samples are done. Throws at once for a request that can never run.
    public func add(_ request: Request, completion: @escaping (Outcome) -> Void) throws {
        let parameters = request.parameters
        try parameters.sampling.validate()
        try parameters.conformative?.validate()
        guard parameters.maxTokens >= 0 else { throw ModelError.invalidInput("max tokens must be ≥ 0") }
        guard request.count >= 1 else { throw ModelError.invalidInput("the sample count must be ≥ 1, got \(request.count)") }
        let limit = model.configuration.maxPositionEmbeddings
        guard !request.prompt.ids.isEmpty else { throw ModelError.invalidInput("the prompt is empty") }
        guard request.prompt.ids.count < limit else { throw ModelError.contextOverflow(tokens: request.prompt.ids.count, limit: limit) }
        let models = [model] + (parameters.conformative == nil ? [] : base.map { [$0] } ?? [])
        waiting.append(Group(request: request, completion: completion,
                             bytesPerSample: BatchMemory.bytesPerSequence(positions: request.prompt.ids.count + parameters.maxTokens,
                                                                          models: models)))
    }

    /// Refuses, with the estimate, a batch whose `maxBatch` largest waiting samples (each at its
    /// request's full length) would not fit in the memory available now — before any work starts.
    public func checkMemory() throws {
        guard let largest = waiting.map(\.bytesPerSample).max() else { return }
        try BatchMemory.check(sequences: min(maxBatch, waitingSamples), bytesPerSequence: largest)
    }

    /// Admits waiting samples, advances every running sample by one token and runs the forward
    /// pass that gives their next logits. Requests that finish, fail or are cancelled complete here.
    public func step() {
        Tensor.withNoGrad {
            admit()
            var next: [(decoder: SampleDecoder, group: Group, token: Int)] = []
            for (decoder, group) in active where !group.ended {
                if group.request.isCancelled() { end(group, .cancelled); continue }
                do {
                    if let token = try decoder.next() {
                        next.append((decoder, group, token))
                    } else {
                        group.finish(decoder)
                    }
                } catch {
                    end(group, .failed(error))
                }
            }
            // A request that failed after some of its samples were picked leaves with all of them.
            next.removeAll { $0.group.ended }
            active = next.map { ($0.decoder, $0.group) }
            guard !active.isEmpty else { return }
            do {
                let logits = try model.model.decodeStep(tokens: next.map(\.token), caches: next.map(\.decoder.cache))
                for (entry, logits) in zip(next, logits) { entry.decoder.logits = logits }
                let mixing = next.filter { $0.decoder.base != nil }
                if let base, !mixing.isEmpty {
                    let baseLogits = try base.model.decodeStep(tokens: mixing.map(\.token), caches: mixing.map { $0.decoder.base!.cache })
                    for (entry, logits) in zip(mixing, baseLogits) { entry.decoder.base!.logits = logits }
                }
            } catch {
                // A failed forward pass leaves every cache of the step in doubt.
                for (_, group) in active { end(group, .failed(error)) }
                active = []
            }
        }
    }

    /// Moves waiting samples into the batch, in arrival order, while there is room and memory.
    private func admit() {
        for group in waiting where group.request.isCancelled() { end(group, .cancelled) }
        while active.count < maxBatch, let group = waiting.first {
            if active.isEmpty { budget = availableBytes() }
            let reserved = active.reduce(0) { $0 + $1.group.bytesPerSample }
            if let budget, reserved + group.bytesPerSample > budget {
                guard active.isEmpty else { return }   // it waits to run with fewer
                end(group, .failed(GenerationError.batchExceedsMemory(sequences: 1, bytesNeeded: group.bytesPerSample,
                                                                      bytesAvailable: budget)))
                continue
            }
            do {
                active.append((try group.nextSample(model: model, base: base), group))
                if group.allJoined { waiting.removeFirst() }
            } catch {
                end(group, .failed(error))
            }
        }
    }

    /// Ends `group` early (its running samples leave at the next step); completes it once.
    private func end(_ group: Group, _ outcome: Outcome) {
        waiting.removeAll { $0 === group }
        group.end(outcome)
    }
}

extension DecodeBatch {
    /// One request in the batch: its samples' results and, while samples are still to join, the
    /// prompt's prefilled caches that each joining sample copies.
    final class Group {
        let request: Request
        let bytesPerSample: Int
        private let completion: (Outcome) -> Void
        private var results: [GeneratedSample?]
        private var finished = 0
        private(set) var joined = 0
        private var prefilled: (cache: KVCache, logits: [Float], base: ConformativeBase?)?
        private(set) var ended = false

        init(request: Request, completion: @escaping (Outcome) -> Void, bytesPerSample: Int) {
            self.request = request
            self.completion = completion
            self.bytesPerSample = bytesPerSample
            results = Array(repeating: nil, count: request.count)
        }

        var allJoined: Bool { joined == request.count }

        /// The next sample's decoder; the prompt is prefilled when the first one joins and its
        /// caches are dropped once the last has.
        func nextSample(model: LanguageModel, base: LanguageModel?) throws -> SampleDecoder {
            let parameters = request.parameters
            if prefilled == nil {
                let lm = model.model, ids = request.prompt.ids
                let cache = lm.makeCache(capacity: min(lm.configuration.maxPositionEmbeddings, ids.count + parameters.maxTokens))
                let logits = try lm([ids], cache: cache, logits: .last).scalars
                let conformative = try parameters.conformative.flatMap { decoding in
                    try base.map { try ConformativeBase(decoding: decoding, model: $0, promptIds: request.prompt.baseIds ?? ids,
                                                        maxTokens: parameters.maxTokens) }
                }
                prefilled = (cache, logits, conformative)
            }
            let start = prefilled!
            let decoder = SampleDecoder(prompt: request.index, index: joined, seed: parameters.seed &+ UInt64(joined),
                                        promptIds: request.prompt.ids, cache: start.cache.copy(),
                                        firstLogits: start.logits, base: start.base?.copy(), model: model,
                                        parameters: parameters, onPiece: request.onPiece)
            joined += 1
            if allJoined { prefilled = nil }
            return decoder
        }

        func finish(_ decoder: SampleDecoder) {
            results[decoder.index] = decoder.result
            finished += 1
            request.onSample?(decoder.index, decoder.result)
            if finished == request.count { end(.finished(results.map { $0! })) }
        }

        func end(_ outcome: Outcome) {
            guard !ended else { return }
            ended = true
            prefilled = nil
            completion(outcome)
        }
    }
}
