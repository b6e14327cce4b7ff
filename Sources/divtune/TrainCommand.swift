import ArgumentParser

/// `divtune train <what>`: training commands.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train models (reward model, …).",
        subcommands: [TrainRewardCommand.self])
}
