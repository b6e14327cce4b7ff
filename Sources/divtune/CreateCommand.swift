import ArgumentParser
import Creative
import Foundation
import Models
import TensorEngine

/// `divtune create`: the creative co-pilot chain (docs/creative.md §8) — write ideas for a brief
/// and a headline and an art direction for one of them. With `--rank-with-judge` the same model
/// judges the ideas, the best are kept and varied, the ranking is printed with the judge's scores
/// and the copy is for the best; without it the ideas are listed as written and the copy is for
/// the first. The model is local (`--model`) or an OpenAI-compatible server (`--openai-base-url`).
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Generate ideas for a brief and write a headline and an art direction for one; with --rank-with-judge the same model judges and ranks them, iterates on the best, and writes the copy for the best.",
        discussion: "Without --rank-with-judge nothing is judged: the ideas are listed in the order written and the headline and art direction are written for the first idea. --rounds, --keep, --variants and --template belong to the judged chain.")

    @Option(help: "The model: a .gguf file or an HF model folder (or run on a server: --openai-base-url).") var model: String?
    @Option(help: "A PEFT LoRA adapter folder applied to --model.") var adapter: String?
    @OptionGroup var server: ChatEndpointOptions
    @Option(help: "The brief (best written as the training rows do: \"Brand: …\\nProblem: …\").") var brief: String?
    @Option(help: "The brand (with --problem, instead of --brief).") var brand: String?
    @Option(help: "The brand's problem (with --brand).") var problem: String?
    @Option(help: "Ideas written in the first round.") var ideas = IdeaChain.Options().ideas
    @Flag(help: "Judge each idea with the same model (P(Yes)), rank the ideas by it, iterate on the best and write the copy for the best (without it: the order written, the copy for the first idea).")
    var rankWithJudge = false
    @Option(help: "Rounds of improved variants after the first (needs --rank-with-judge; default \(IdeaChain.Options().rounds) with it, 0 without).")
    var rounds: Int?
    @Option(help: "Ideas kept after each round, the best by the judge's score (needs --rank-with-judge; default \(IdeaChain.Options().keep)).")
    var keep: Int?
    @Option(help: "Variants asked of each kept idea per round (needs --rank-with-judge; default \(IdeaChain.Options().variants)).")
    var variants: Int?
    @Option(help: "Maximum new tokens per idea.") var maxTokens = IdeaChain.Options().maxTokens
    @OptionGroup var sampling: SamplingOptions<ProtocolSampling>
    @Option(help: "Seed of the sampling.") var seed: UInt64 = 0
    @Option(help: "A pointwise judge template with {brief} and {idea} (first line `answers: Yes / No`; default: the built-in one).") var template: String?
    @Flag(help: "Print the whole chain as one JSON object instead of text.") var json = false
    @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (brief != nil) != (brand != nil || problem != nil) else { throw ValidationError("give --brief, or --brand and --problem") }
        if brief == nil, brand == nil || problem == nil { throw ValidationError("--brand and --problem go together") }
        if server.openaiBaseUrl != nil {
            if model != nil || adapter != nil { throw ValidationError("\(model != nil ? "--model" : "--adapter") and --openai-base-url exclude each other") }
        } else if model == nil {
            throw ValidationError("give --model (a local model) or --openai-base-url (a server)")
        }
        if !rankWithJudge {
            // These steer the judged chain; without the judge they would be silently ignored.
            let judged = [("--keep", keep != nil), ("--variants", variants != nil), ("--template", template != nil)]
            if let flag = judged.first(where: { $0.1 })?.0 { throw ValidationError("\(flag) belongs to the judged chain: add --rank-with-judge") }
        }
    }

    var chainOptions: IdeaChain.Options {
        let defaults = IdeaChain.Options()
        return IdeaChain.Options(ideas: ideas, rounds: rounds ?? (rankWithJudge ? defaults.rounds : 0), keep: keep ?? defaults.keep,
                                 variants: variants ?? defaults.variants, maxTokens: maxTokens, sampling: sampling.parameters, seed: seed,
                                 rankWithJudge: rankWithJudge)
    }

    func run() throws {
        let options = chainOptions
        try options.validate()
        EngineThreads.configure(threads)
        // A brief typed on a command line carries "\n" as two characters; it means a new line.
        let text = brief?.replacingOccurrences(of: "\\n", with: "\n") ?? IdeaChain.brief(brand: brand ?? "", problem: problem ?? "")
        let judgeTemplate = try template.map { try JudgeTemplate.load(file: URL(fileURLWithPath: $0), mode: .pointwise) }
            ?? JudgeTemplate.parse(IdeaChain.defaultTemplate, mode: .pointwise, source: "the built-in co-pilot template")
        let chain: IdeaChain
        if let endpoint = try server.endpoint() {
            chain = try IdeaChain(model: EndpointChainModel(endpoint: endpoint, template: judgeTemplate))
        } else {
            let lm = try LanguageModel.load(path: model ?? "", adapter: adapter)
            chain = try IdeaChain(scorer: AnswerScorer(model: lm, template: judgeTemplate))
        }
        let result = try chain.run(brief: text, options: options) { round in
            guard !json else { return }
            guard options.rankWithJudge else {
                print("\nround 0: \(round.written.count) ideas, not judged (--rank-with-judge ranks them)")
                for idea in round.written { print(Self.line(idea)) }
                return
            }
            print(round.round == 0 ? "\nround 0: \(round.written.count) ideas, judged" : "\nround \(round.round): \(round.written.count) variants of the kept ideas, judged")
            for idea in round.written { print(Self.line(idea)) }
            print("  kept: " + round.kept.map { "#\($0)" }.joined(separator: ", "))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        if result.rankedByJudge {
            print("\nranked (the judge's P(Yes), best first):")
            for (rank, idea) in result.ranked.enumerated() { print("\(rank + 1).\(Self.line(idea).dropFirst())") }
        }
        print("\nheadline for #\(result.ranked[0].id)\(result.rankedByJudge ? "" : " (the first idea)"): \(result.headline)")
        print("art direction: \(result.artDirection)")
    }

    static func line(_ idea: IdeaChain.Idea) -> String {
        let origin = idea.parent.map { ", variant of #\($0)" } ?? ""
        let score = idea.score.map { String(format: "[%.3f%@] ", $0, origin) } ?? ""
        return "  #\(idea.id) \(score)" + idea.text.replacingOccurrences(of: "\n", with: " ")
    }
}
