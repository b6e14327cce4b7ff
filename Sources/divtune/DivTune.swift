import ArgumentParser
import Foundation

/// `divtune`: the command-line entry point. Each subcommand lives in its own file.
@main
struct DivTune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "divtune",
        abstract: "Make language models write creatively and variedly: diversity-aware tuning, conformative decoding, measurement.",
        version: "0.1.0",
        subcommands: [DemoCommand.self, GenerateCommand.self, TokenizeCommand.self, InspectCommand.self,
                      EmbedCommand.self, ImportCommand.self, PrepareCommand.self, TrainCommand.self, FuseCommand.self,
                      RewardCommand.self, EvaluateCommand.self, StatsCommand.self, JudgeCommand.self, CreateCommand.self, HumanEvalCommand.self,
                      SweepCommand.self, MonitorCommand.self, ServeCommand.self, BenchCommand.self])

    /// Every command first makes sure OpenBLAS runs its fast kernels (see `BLASCoreCheck`).
    static func main() {
        // Standard output is fully buffered when it is a pipe or file: line-buffer it so
        // `make demo > log` and `| tee` show each line as it is printed, not minutes later.
        setvbuf(stdout, nil, _IOLBF, 0)
        BLASCoreCheck.relaunchWithFasterKernelsIfNeeded()
        main(nil)
    }
}
