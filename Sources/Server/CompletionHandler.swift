import Base
import Console
import Foundation
import Generation
import Hummingbird

/// Answers one completion request: read and validate the body, render the prompt, queue the
/// generation, then reply with one JSON document or a server-sent-event stream.
struct CompletionHandler: Sendable {
    let model: ServedModel
    let maxBodyBytes: Int

    /// Oversized bodies are still read (and dropped) up to this size so that the client, which may
    /// still be sending, receives the 413 instead of a reset connection.
    var drainLimit: Int { max(maxBodyBytes * 4, 64 << 20) }

    func respond(to request: Request, context: ServerRequestContext, endpoint: CompletionRequest.Endpoint) async -> Response {
        let started = Date()
        let path = endpoint == .chat ? "/v1/chat/completions" : "/v1/completions"
        do {
            let body = try await readBody(request)
            let completion = try CompletionRequest(endpoint: endpoint, fields: FieldReader.parse(body: body), limits: model.limits,
                                                   contextLength: model.contextLength)
            if let name = completion.model, !name.isEmpty, name != model.id {
                throw APIError.unknownModel(name, available: [model.id])
            }
            let (ids, baseIds) = try model.promptIds(for: completion)
            let flag = CancellationFlag()
            let shapes = OpenAIResponses(model: model, request: completion)
            let record = RequestRecord(log: model.log, path: path, id: shapes.id, started: started, promptTokens: ids.count,
                                       stream: completion.stream, flag: flag)
            if completion.stream {   // a stream notices a departed client when a write fails
                let events = try model.generate(completion, promptIds: ids, baseIds: baseIds, flag: flag)
                return stream(events, shapes: shapes, promptTokens: ids.count, flag: flag, record: record)
            }
            // A single answer writes nothing until the end, so the connection is watched instead.
            let (response, samples) = try await DisconnectWatcher.whileWatching(context.channel, flag: flag) {
                try await collect(model.generate(completion, promptIds: ids, baseIds: baseIds, flag: flag),
                                  shapes: shapes, promptTokens: ids.count)
            }
            record.write(status: 200, samples: samples)
            return response
        } catch {
            let apiError = error as? APIError ?? APIError(status: .badRequest, message: "\(error)")
            RequestRecord(log: model.log, path: path, id: nil, started: started, promptTokens: 0, stream: false, flag: nil)
                .write(status: Int(apiError.status.code), samples: [], error: apiError.message)
            return errorResponse(apiError)
        }
    }

    private func readBody(_ request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > drainLimit {
            throw APIError.bodyTooLarge(limit: maxBodyBytes)
        }
        var data = Data()
        var total = 0
        for try await chunk in request.body {
            total += chunk.readableBytes
            if total <= maxBodyBytes { data.append(contentsOf: chunk.readableBytesView) }
            if total > drainLimit { break }
        }
        guard total <= maxBodyBytes else { throw APIError.bodyTooLarge(limit: maxBodyBytes) }
        return data
    }

    private func collect(_ events: AsyncStream<GenerationEvent>, shapes: OpenAIResponses, promptTokens: Int) async throws
        -> (Response, [GeneratedSample]) {
        for await event in events {
            switch event {
            case .piece: continue
            case .failed(let error): throw error
            case .finished(let samples): return (jsonResponse(shapes.completion(promptTokens: promptTokens, samples: samples)), samples)
            }
        }
        throw APIError(status: .serviceUnavailable, message: "The generation was cancelled.", type: "server_error")
    }

    private func stream(_ events: AsyncStream<GenerationEvent>, shapes: OpenAIResponses, promptTokens: Int,
                        flag: CancellationFlag, record: RequestRecord) -> Response {
        let count = shapes.request.count
        let includeUsage = shapes.request.includeUsage
        let body = ResponseBody { writer in
            func send(_ event: some Encodable) async throws {
                var line = Data("data: ".utf8)
                line.append(jsonData(event))
                line.append(contentsOf: [10, 10])
                try await writer.write(ByteBuffer(bytes: line))
            }
            // Per choice: tokens whose log-probs were sent, and the legacy text offset reached.
            var reported = [Int](repeating: 0, count: count), offsets = [Int](repeating: 0, count: count)
            let wantsLogprobs = shapes.request.logprobs
            func logprobs(_ choice: Int, ids: ArraySlice<Int>, values: ArraySlice<Float>,
                          top: ArraySlice<[(id: Int, logprob: Float)]>) -> ChoiceLogprobs? {
                guard wantsLogprobs else { return nil }
                let (run, next) = shapes.logprobs(ids: Array(ids), logprobs: Array(values), top: Array(top), textOffset: offsets[choice])
                reported[choice] += ids.count
                offsets[choice] = next
                return run
            }
            do {
                if shapes.request.endpoint == .chat {
                    for choice in 0..<count { try await send(shapes.chunk(choice: choice, text: "", role: true)) }
                }
                loop: for await event in events {
                    switch event {
                    case let .piece(piece):
                        // Log-probs go out with the first chunk after their tokens (the generator
                        // holds back text that may be part of a stop string: it comes later, or never).
                        let choice = piece.sample
                        if !piece.text.isEmpty || wantsLogprobs {
                            let pending = logprobs(choice, ids: piece.ids[...], values: piece.logprobs[...], top: piece.topLogprobs[...])
                            try await send(shapes.chunk(choice: choice, text: piece.text, logprobs: pending))
                        }
                    case .failed(let error):
                        try await send(error.body)
                        break loop
                    case .finished(let samples):
                        for (choice, sample) in samples.enumerated() {
                            // The tokens no piece carried (a stop token, the rest of a stop string).
                            let unsent = reported[choice]..<sample.ids.count
                            let last = logprobs(choice, ids: sample.ids[unsent], values: sample.logprobs[unsent],
                                                top: sample.topLogprobs.isEmpty ? [] : sample.topLogprobs[unsent])
                            try await send(shapes.chunk(choice: choice, text: nil, finishReason: sample.finishReason.rawValue,
                                                        logprobs: last))
                        }
                        if includeUsage { try await send(shapes.usageChunk(promptTokens: promptTokens, samples: samples)) }
                        record.write(status: 200, samples: samples)
                    }
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            } catch {
                // The client went away: stop generating at the next token.
                flag.cancel()
                record.write(status: 200, samples: [], error: "the client disconnected mid-stream: \(error)")
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

/// One line of the request log (`--log`): what was asked, how it ended, how long it took.
struct RequestRecord: Sendable {
    let log: RequestLog?
    let path: String
    let id: String?
    let started: Date
    let promptTokens: Int
    let stream: Bool
    let flag: CancellationFlag?

    func write(status: Int, samples: [GeneratedSample], error: String? = nil) {
        guard let log else { return }
        var fields: [String: Any] = [
            "time": ISO8601DateFormatter().string(from: started), "path": path, "status": status, "stream": stream,
            "seconds": Date().timeIntervalSince(started), "prompt_tokens": promptTokens,
            "completion_tokens": samples.reduce(0) { $0 + $1.ids.count },
            "finish_reasons": samples.map(\.finishReason.rawValue), "cancelled": flag?.isCancelled ?? false,
        ]
        if let id { fields["id"] = id }
        if let error { fields["error"] = error }
        log.append(fields)
    }
}
