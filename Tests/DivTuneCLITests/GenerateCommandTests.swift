import Foundation
import Testing
@testable import divtune

@Suite(.serialized) struct GenerateCommandTests {
    func objects(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test func jsonSamplesAreReproducibleAndCarryLogProbs() throws {
        let model = try DivTuneProcess.smolLM2
        let args = ["generate", "--model", model, "--prompt", "The lighthouse keeper", "--max-tokens", "6",
                    "--n", "2", "--seed", "7", "--top-k", "50", "--json", "--top-logprobs", "3"]
        let first = try DivTuneProcess.run(args), second = try DivTuneProcess.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let samples = try objects(first.stdout)
        #expect(samples.count == 2)
        for sample in samples {
            let ids = sample["ids"] as! [Int], logprobs = sample["logprobs"] as! [Double]
            let top = sample["top_logprobs"] as! [[[Double]]]
            #expect(ids.count == 6 && logprobs.count == 6 && top.count == 6)
            for (step, id) in ids.enumerated() {
                #expect(logprobs[step] <= 0)
                #expect(top[step].count == 3)
                #expect(top[step][0][1] >= top[step][1][1] && top[step][1][1] >= top[step][2][1])
                // The sampled token's log-prob is the model's own: never above the best candidate's.
                #expect(logprobs[step] <= top[step][0][1] + 1e-5)
                if Int(top[step][0][0]) == id { #expect(abs(top[step][0][1] - logprobs[step]) < 1e-5) }
            }
        }
    }

    /// `--max-batch` changes how samples are scheduled, not what they are: two prompts × 2 samples
    /// decoded together print the same JSON as one at a time, and text mode prints each sample
    /// whole, separated as before; a batch size below 1 is refused.
    @Test func maxBatchLeavesTheSamplesUnchanged() throws {
        let model = try DivTuneProcess.smolLM2
        let prompts = FileManager.default.temporaryDirectory.appendingPathComponent("batch-prompts-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: prompts) }
        try Data("{\"prompt\": \"The lighthouse keeper\"}\n{\"prompt\": \"A dragon\"}\n".utf8).write(to: prompts)
        let args = ["generate", "--model", model, "--prompts", prompts.path, "--max-tokens", "5", "--n", "2", "--seed", "3", "--top-k", "50"]
        let together = try DivTuneProcess.run(args + ["--json", "--max-batch", "4"])
        let alone = try DivTuneProcess.run(args + ["--json", "--max-batch", "1"])
        #expect(together.status == 0, "\(together.stderr)")
        #expect(together.stdout == alone.stdout)
        #expect(try objects(together.stdout).map { $0["prompt_index"] as! Int } == [0, 0, 1, 1])
        let textTogether = try DivTuneProcess.run(args + ["--max-batch", "4"]), textAlone = try DivTuneProcess.run(args + ["--max-batch", "1"])
        #expect(textTogether.stdout == textAlone.stdout && textTogether.stdout.components(separatedBy: "\n---").count == 4)
        let refused = try DivTuneProcess.run(args + ["--max-batch", "0"])
        #expect(refused.status != 0 && refused.stderr.contains("--max-batch"))
    }

    /// Greedy "Say hi." ends with the end-of-turn token well before 40 tokens; `--ignore-eos` runs
    /// on to exactly 40, and the first tokens are the same.
    @Test func ignoreEOSRunsToMaxTokens() throws {
        let model = try DivTuneProcess.smolLM2
        let args = ["generate", "--model", model, "--prompt", "Say hi.", "--chat", "--temp", "0", "--max-tokens", "40", "--json"]
        let stopped = try objects(DivTuneProcess.run(args).stdout)[0]
        let forced = try objects(DivTuneProcess.run(args + ["--ignore-eos"]).stdout)[0]
        let (short, long) = (stopped["ids"] as! [Int], forced["ids"] as! [Int])
        #expect(stopped["finish_reason"] as? String == "stop" && short.count < 40)
        #expect(forced["finish_reason"] as? String == "length" && long.count == 40)
        #expect(Array(long.prefix(short.count)) == short)
    }

    /// Text mode prints exactly the sample's text: nothing of a stop string that spans tokens, the
    /// text before a stop that begins inside a token, and the detokenizer's tail (a character cut
    /// by --max-tokens).
    @Test func textModePrintsTheSampleTextExactly() throws {
        let model = try DivTuneProcess.smolLM2
        let story = ["generate", "--model", model, "--prompt", "Once upon a time", "--temp", "0", "--max-tokens", "12"]
        let full = try #require(try objects(DivTuneProcess.run(story + ["--json"]).stdout).first?["text"] as? String)
        try #require(full.contains(" Nova Haven"), "the greedy story changed: \(full)")
        // "ova Hav" starts inside " Nova" and ends inside " Haven"; "aven" lies inside " Haven".
        for stop in ["ova Hav", "aven"] {
            let expected = String(full[..<full.range(of: stop)!.lowerBound])
            let printed = try DivTuneProcess.run(story + ["--stop", stop])
            #expect(printed.status == 0, "\(printed.stderr)")
            #expect(printed.stdout == expected + "\n", "stop \(stop)")
            #expect(try objects(DivTuneProcess.run(story + ["--stop", stop, "--json"]).stdout).first?["text"] as? String == expected)
        }
        // Greedy waves: the 16th token is the first of a 🌊's three, so the text ends in U+FFFD.
        let waves = ["generate", "--model", model, "--prompt", "用中文写一句关于大海的话 🌊", "--chat", "--temp", "0", "--max-tokens", "16"]
        let json = try #require(try objects(DivTuneProcess.run(waves + ["--json"]).stdout).first?["text"] as? String)
        try #require(json.hasSuffix("\u{FFFD}") && json.count > 1, "the greedy waves changed: \(json)")
        #expect(try DivTuneProcess.run(waves).stdout == json + "\n")
    }

    @Test func conformativeWeightZeroEqualsPlainSampling() throws {
        let model = try DivTuneProcess.smolLM2
        let common = ["generate", "--model", model, "--prompt", "Tell me a story.", "--chat", "--max-tokens", "12",
                      "--seed", "11", "--top-p", "0.9", "--json"]
        let plain = try DivTuneProcess.run(common)
        let mixed = try DivTuneProcess.run(common + ["--base-model", model, "--conformative-weight", "0"])
        let mixedHalf = try DivTuneProcess.run(common + ["--base-model", model, "--conformative-weight", "0.5",
                                                         "--base-prompt-style", "completion"])
        #expect(plain.status == 0 && mixed.status == 0 && mixedHalf.status == 0, "\(mixed.stderr)\(mixedHalf.stderr)")
        #expect(try objects(plain.stdout)[0]["ids"] as! [Int] == objects(mixed.stdout)[0]["ids"] as! [Int])
    }

    @Test func badPromptFileNamesTheLine() throws {
        let model = try DivTuneProcess.smolLM2
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"ok\"}\n\n{\"prompt\": 3}\n".utf8).write(to: file)
        let result = try DivTuneProcess.run(["generate", "--model", model, "--prompts", file.path, "--max-tokens", "1"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("prompts.jsonl:3:"), "\(result.stderr)")
        let missing = try DivTuneProcess.run(["generate", "--model", dir.appendingPathComponent("nope.gguf").path, "--prompt", "x"])
        #expect(missing.status != 0 && missing.stderr.contains("nope.gguf"))
    }

    @Test func tokenizePrintsIdsPlainAndThroughTheChatTemplate() throws {
        let model = try DivTuneProcess.smolLM2
        let plain = try DivTuneProcess.run(["tokenize", "--model", model, "--text", "Hi there"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"ids":[26843,665]}"#)
        let chat = try DivTuneProcess.run(["tokenize", "--model", model, "--text", "Hi there", "--chat"])
        let ids = try #require(try JSONSerialization.jsonObject(with: Data(chat.stdout.utf8)) as? [String: [Int]])["ids"]
        // <|im_start|>system … <|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n
        let all = try #require(ids)
        #expect(all.first == 1 && Array(all.suffix(4)) == [1, 520, 9531, 198])
        #expect(zip(all, all.dropFirst()).contains { $0 == 26843 && $1 == 665 })
    }
}

@Suite struct ServeCommandTests {
    /// Only loopback hosts are quiet without an API key.
    @Test func loopbackHostsAreRecognised() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] { #expect(ServeCommand.isLoopback(host), "\(host)") }
        for host in ["0.0.0.0", "192.168.1.5", "::", "example.org"] { #expect(!ServeCommand.isLoopback(host), "\(host)") }
    }

    /// Timeouts must be positive, finite seconds (they become Durations, which trap on NaN).
    @Test func timeoutsMustBePositiveSeconds() throws {
        for bad in [["--idle-timeout", "0"], ["--read-timeout", "-1"], ["--idle-timeout", "nan"], ["--read-timeout", "inf"]] {
            #expect(throws: (any Error).self, "\(bad)") { try ServeCommand.parse(["--model", "m.gguf"] + bad) }
        }
        let parsed = try ServeCommand.parse(["--model", "m.gguf", "--idle-timeout", "2.5", "--max-n", "4"])
        #expect(parsed.idleTimeout == 2.5 && parsed.readTimeout == 30 && parsed.maxN == 4 && parsed.maxTokens == nil)
    }
}
