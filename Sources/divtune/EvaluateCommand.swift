import ArgumentParser

/// `divtune evaluate <what>`: measurement of generated text (runs, comparisons, diversity).
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Generate and measure quality and diversity; compare runs.",
        subcommands: [EvaluateRunCommand.self, EvaluateCompareCommand.self])
}
