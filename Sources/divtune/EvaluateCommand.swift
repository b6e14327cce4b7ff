import ArgumentParser

/// `divtune evaluate <what>`: generate and measure samples (quality, diversity) and compare runs.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Generate and measure quality and diversity; compare runs.",
        subcommands: [EvaluateRunCommand.self, EvaluateGoldCommand.self, EvaluateCompareCommand.self, EvaluateDiversityCommand.self,
                      EvaluateSweepCommand.self, EvaluateGapCommand.self])
}
