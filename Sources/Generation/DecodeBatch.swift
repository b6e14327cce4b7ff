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
    /// The most prompt tokens one packed prefill pass takes (as llama.cpp's default `n_batch`).
    public let prefillTokens: Int
    /// Prompts shorter than this are prefilled alone (see `prefill(_:)`).
    static let packedPromptMinimum = 16
    /// The shortest kept beginning a prompt continues from: a shorter one (a template's first
    /// tokens) costs little to run again, and reusing it would keep its donor in the cache.
    static let reusedPrefixMinimum = 8
    private let promptCache: PromptCache
    private let model: LanguageModel
    private let base: LanguageModel?
    /// Memory the batch may fill with KV caches, read when the batch starts from empty (nil: unknown).
    private let availableBytes: () -> Int?
    private var budget: Int?
    private var waiting: [Group] = []
    private var active: [(decoder: SampleDecoder, group: Group)] = []

    /// `availableBytes` is read whenever the batch starts from empty: samples join only while their
    /// caches at full length fit in it; one that does not waits for the running ones to finish.
    /// `promptCacheBytes`: memory for prefilled prompts kept for requests that repeat one (``PromptCache``; 0: none).
    public init(model: LanguageModel, base: LanguageModel? = nil, maxBatch: Int, prefillTokens: Int = 2048, promptCacheBytes: Int = 0,
                availableBytes: @escaping () -> Int? = BatchMemory.availableBytes) throws {
        guard maxBatch >= 1 else { throw ModelError.invalidInput("the batch size must be ≥ 1, got \(maxBatch)") }
        guard prefillTokens >= 1 else { throw ModelError.invalidInput("the prefill pass size must be ≥ 1, got \(prefillTokens)") }
        self.model = model
        self.prefillTokens = prefillTokens
        self.promptCache = PromptCache(maxBytes: max(0, promptCacheBytes))
        self.base = base
        self.maxBatch = maxBatch
        self.availableBytes = availableBytes
    }

    /// What the prompts of the requests so far took: forward passes, prompts run through the
    /// model and their tokens run, prompts taken whole from the prompt cache instead, and the
    /// tokens of prompts run that came from a kept prompt's beginning.
    public struct PrefillCounts: Equatable, Sendable {
        public var passes = 0, prompts = 0, tokens = 0, cacheHits = 0, reusedTokens = 0

        public init(passes: Int = 0, prompts: Int = 0, tokens: Int = 0, cacheHits: Int = 0, reusedTokens: Int = 0) {
            (self.passes, self.prompts, self.tokens, self.cacheHits, self.reusedTokens) = (passes, prompts, tokens, cacheHits, reusedTokens)
        }
    }
    public private(set) var prefillCounts = PrefillCounts()

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
            for (_, group) in active where !group.ended && group.request.isCancelled() { end(group, .cancelled) }
            let drawing = active.filter { !$0.group.ended }
            for ((decoder, group), draw) in zip(drawing, Self.draws(drawing.map(\.decoder))) where !group.ended {
                do {
                    if let token = try decoder.take(draw.get()) {
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

    /// Each decoder's next draw, computed on all cores (the samplers' passes over the vocabulary
    /// are independent); the draws are then taken in order on this thread.
    private static func draws(_ decoders: [SampleDecoder]) -> [Result<SampleDecoder.Draw, Error>] {
        var draws = [Result<SampleDecoder.Draw, Error>](repeating: .success(.finished), count: decoders.count)
        draws.withUnsafeMutableBufferPointer { out in
            let body = { (i: Int) in out[i] = Result { try decoders[i].draw() } }
            if #available(macOS 15, *) { SpinningWorkers.shared.run(chunks: decoders.count, body) } else { (0..<decoders.count).forEach(body) }
        }
        return draws
    }

    /// Moves waiting samples into the batch, in arrival order, while there is room and memory.
    /// The prompts of the requests that join are prefilled together first (``prefill(_:)``).
    private func admit() {
        for group in waiting where group.request.isCancelled() { end(group, .cancelled) }
        var joining: [Group] = []   // one entry per sample
        var reserved = active.reduce(0) { $0 + $1.group.bytesPerSample }
        var next = 0                // the first waiting group with samples left to plan
        while active.count + joining.count < maxBatch, next < waiting.count {
            let group = waiting[next]
            // The prompt cache may still grow to its limit beside the batch.
            if active.isEmpty && joining.isEmpty { budget = availableBytes().map { $0 - (promptCache.maxBytes - promptCache.bytes) } }
            if let budget, reserved + group.bytesPerSample > budget {
                guard active.isEmpty && joining.isEmpty else { break }   // it waits to run with fewer
                end(group, .failed(GenerationError.batchExceedsMemory(sequences: 1, bytesNeeded: group.bytesPerSample,
                                                                      bytesAvailable: budget)))
                continue
            }
            joining.append(group)
            reserved += group.bytesPerSample
            if group.joined + joining.count(where: { $0 === group }) == group.request.count { next += 1 }
        }
        prefill(joining.reduce(into: [Group]()) { groups, group in
            if group.needsPrefill && !groups.contains(where: { $0 === group }) { groups.append(group) }
        })
        for group in joining where !group.ended {
            do {
                active.append((try group.nextSample(model: model), group))
                if group.allJoined { waiting.removeAll { $0 === group } }
            } catch {
                end(group, .failed(error))
            }
        }
    }

    /// Prefills the prompts of `groups`: a prompt the prompt cache holds is taken from it; the
    /// others run in packed passes of up to ``prefillTokens`` new tokens, each distinct prompt once.
    /// Where the model's passes are row-exact (``LlamaModel/passesAreRowExact``), a prompt that
    /// begins like a kept one (at least ``reusedPrefixMinimum`` tokens) continues from the kept
    /// beginning's keys and values, leaving at least two tokens to run. Elsewhere a prompt shorter
    /// than ``packedPromptMinimum`` runs alone: BLAS may sum a product of so few rows in another
    /// order than a many-row one, and a sample must see the logits of its prompt alone. A pass
    /// that fails is redone prompt by prompt, so an error stays with its request.
    private func prefill(_ groups: [Group]) {
        guard !groups.isEmpty else { return }
        var distinct: [[Int]: [Group]] = [:]
        var prompts: [[Int]] = []
        for group in groups {
            let ids = group.request.prompt.ids
            if distinct[ids] == nil { prompts.append(ids) }
            distinct[ids, default: []].append(group)
        }
        let rowExact = model.model.passesAreRowExact
        var packed: [(ids: [Int], cache: KVCache)] = []
        for ids in prompts {
            if let kept = promptCache.lookup(ids) {
                prefillCounts.cacheHits += 1
                for group in distinct[ids]! { start(group, from: kept) }
            } else if rowExact, let (kept, length) = promptCache.longestPrefix(of: ids, upTo: ids.count - 2, atLeast: Self.reusedPrefixMinimum) {
                packed.append((ids, kept.cache.copy(positions: length, capacity: ids.count)))
            } else if rowExact || ids.count >= Self.packedPromptMinimum {
                packed.append((ids, model.model.makeCache(capacity: ids.count)))
            } else {
                prefillAlone(ids, distinct[ids]!)
            }
        }
        var pass: [(ids: [Int], cache: KVCache)] = [], passTokens = 0
        func run() {
            defer { (pass, passTokens) = ([], 0) }
            guard pass.count > 1 || (rowExact && !pass.isEmpty) else { return pass.forEach { prefillAlone($0.ids, distinct[$0.ids]!) } }
            do {
                let reused = pass.reduce(0) { $0 + $1.cache.length }
                let logits = try model.model.prefill(pass.map { Array($0.ids[$0.cache.length...]) }, caches: pass.map(\.cache))
                prefillCounts.passes += 1
                prefillCounts.prompts += pass.count
                prefillCounts.tokens += passTokens
                prefillCounts.reusedTokens += reused
                for ((ids, cache), logits) in zip(pass, logits) {
                    let entry = entry(ids, cache, logits)
                    promptCache.insert(ids, entry)
                    for group in distinct[ids]! { start(group, from: entry) }
                }
            } catch {
                pass.forEach { prefillAlone($0.ids, distinct[$0.ids]!) }
            }
        }
        for prompt in packed {
            let tokens = prompt.ids.count - prompt.cache.length
            if !pass.isEmpty && passTokens + tokens > prefillTokens { run() }
            pass.append(prompt)
            passTokens += tokens
        }
        run()
    }

    private func entry(_ ids: [Int], _ cache: KVCache, _ logits: [Float]) -> PromptCache.Entry {
        PromptCache.Entry(cache: cache, logits: logits, bytes: BatchMemory.bytesPerSequence(positions: ids.count, models: [model]))
    }

    /// Prefills one prompt on its own for the groups that share it.
    private func prefillAlone(_ ids: [Int], _ groups: [Group]) {
        do {
            let cache = model.model.makeCache(capacity: ids.count)
            let entry = entry(ids, cache, try model.model([ids], cache: cache, logits: .last).scalars)
            prefillCounts.passes += 1
            prefillCounts.prompts += 1
            prefillCounts.tokens += ids.count
            promptCache.insert(ids, entry)
            for group in groups { start(group, from: entry) }
        } catch {
            for group in groups { end(group, .failed(error)) }
        }
    }

    /// Hands `group` its prompt's prefill (the base model's side of conformative decoding is
    /// prefilled here); an error ends the group.
    private func start(_ group: Group, from entry: PromptCache.Entry) {
        do { try group.start(from: entry, base: base) } catch { end(group, .failed(error)) }
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

        var needsPrefill: Bool { prefilled == nil && !allJoined }

        /// Room for the prompt and the request's new tokens (each sample's copy of the prompt's cache).
        private func capacity(_ model: LanguageModel) -> Int {
            min(model.configuration.maxPositionEmbeddings, request.prompt.ids.count + request.parameters.maxTokens)
        }

        /// Keeps the prompt's prefill for the samples to come (and prefills the base model's side
        /// of conformative decoding).
        func start(from entry: PromptCache.Entry, base: LanguageModel?) throws {
            let parameters = request.parameters
            let conformative = try parameters.conformative.flatMap { decoding in
                try base.map { try ConformativeBase(decoding: decoding, model: $0, promptIds: request.prompt.baseIds ?? request.prompt.ids,
                                                    maxTokens: parameters.maxTokens) }
            }
            prefilled = (entry.cache, entry.logits, conformative)
        }

        /// The next sample's decoder, on its own copy of the prefilled prompt (whose caches are
        /// dropped once the last sample has joined).
        func nextSample(model: LanguageModel) throws -> SampleDecoder {
            guard let start = prefilled else { throw ModelError.invalidInput("internal: a sample joined before its prompt was prefilled") }
            let parameters = request.parameters
            let decoder = SampleDecoder(prompt: request.index, index: joined, seed: parameters.seed &+ UInt64(joined),
                                        promptIds: request.prompt.ids, cache: start.cache.copy(capacity: capacity(model)),
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
