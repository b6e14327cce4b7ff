import ArgumentParser

/// `divtune evaluate <what>`: measurements of generated samples.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Measure generated samples (diversity, …).",
        subcommands: [EvaluateDiversityCommand.self])
}
