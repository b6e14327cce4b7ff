import ArgumentParser
import TensorEngine

/// `divtune bench <what>`: benchmarks that compare DivTune with its peers in one run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a benchmark side by side with its peer (not a test).",
        subcommands: [Engine.self, BenchTrain.self])

    struct Engine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GEMM GFLOP/s against numpy/OpenBLAS, and a 576-wide Llama block forward/backward at 512 tokens.")
        @Option(help: "Threads for BLAS and the engine's parallel loops.") var threads = 2
        @Option(help: "Timed repetitions per measurement (the median is reported).") var repeats = 7
        @Option(help: "Python interpreter with numpy, for the peer column.") var python = "python3"

        func run() throws {
            EngineThreads.configure(threads)
            print(try EngineBenchmark(threads: threads, repeats: repeats, python: python).run())
        }
    }
}
