import ArgumentParser

/// `divtune humaneval <what>`: the paper's human study (docs/human-evaluation.md): create a
/// study from two runs, invite annotators, read the results, move answers in and out as CSV.
struct HumanEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "humaneval", abstract: "Human evaluation: two sets of stories side by side, judged by annotators.",
        subcommands: [HumanEvalCreateCommand.self, HumanEvalInviteCommand.self, HumanEvalServeCommand.self, HumanEvalResultsCommand.self,
                      HumanEvalExportCommand.self, HumanEvalImportCommand.self])
}
