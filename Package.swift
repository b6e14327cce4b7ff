// swift-tools-version:6.0
// DivTune: creative *and* varied language models — tensor engine, model runtime, diversity-aware
// preference tuning, conformative decoding and measurement, in one Swift package.
//
// Targets are layers; dependencies point downward only. The README's layer diagram is the map
// (checked against this file and every import by scripts/checks/layers.py).
import PackageDescription

let blas: [Target.Dependency] = [.target(name: "CBLAS", condition: .when(platforms: [.linux]))]
let accelerate: [LinkerSetting] = [.linkedFramework("Accelerate", .when(platforms: [.macOS, .iOS]))]

let package = Package(
    name: "DivTune",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "divtune", targets: ["divtune"]),
        .library(name: "Base", targets: ["Base"]),
        .library(name: "TensorEngine", targets: ["TensorEngine"]),
        .library(name: "WeightFormats", targets: ["WeightFormats"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "ChatTemplates", targets: ["ChatTemplates"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Sampling", targets: ["Sampling"]),
        .library(name: "Generation", targets: ["Generation"]),
        .library(name: "Embeddings", targets: ["Embeddings"]),
        .library(name: "Preference", targets: ["Preference"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "EvaluationRuns", targets: ["EvaluationRuns"]),
        .library(name: "Console", targets: ["Console"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "RewardModeling", targets: ["RewardModeling"]),
        .library(name: "Creative", targets: ["Creative"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages (libopenblas-dev, zlib1g-dev).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // Layer 0: what every module shares (Foundation only): JSONValue, JSON Lines, atomic
        // files, the seeded generator, unit vectors.
        .target(name: "Base"),

        // Layer 0: int8 block dot products for x86 decode (intrinsics Swift cannot reach).
        .target(name: "CBlockDot"),

        // Layer 0: register-tile kernels for attention's small products (AVX-512 intrinsics).
        .target(name: "CSmallGEMM"),

        // Layer 0: eager Float32 tensors on BLAS with reverse-mode autograd.
        .target(name: "TensorEngine", dependencies: blas + ["Base", "CSmallGEMM"], linkerSettings: accelerate),

        // Layer 0: console output shared by long-running commands (progress bars, JSONL logs).
        .target(name: "Console"),

        // Layer 1: parsing — file formats, tokenizers, chat templates (Foundation only).
        .target(name: "WeightFormats", dependencies: ["Base", "CBlockDot"]),
        .target(name: "Tokenizers", dependencies: ["Base"]),
        .target(name: "ChatTemplates"),

        // Layer 2: models built from the engine and the formats.
        .target(name: "Models", dependencies: ["Base", "TensorEngine", "WeightFormats", "Tokenizers", "ChatTemplates"]),

        // Text embeddings: the TextEmbedder protocol, sentence-transformers models on the Models
        // encoder, the stylometric style vector, the on-disk embedding cache.
        .target(name: "Embeddings", dependencies: ["Base", "Models", "TensorEngine", "Tokenizers", "WeightFormats"]),

        // Layer 3: decoding, preference data, measurement.
        .target(name: "Sampling"),
        .target(name: "Generation", dependencies: ["Base", "TensorEngine", "Models", "Sampling", "Tokenizers", "ChatTemplates"]),
        .target(name: "Preference", dependencies: ["Base", "Embeddings"]),
        .target(name: "Evaluation", dependencies: ["Base", "CZlib"]),
        // Reports: run summaries, SVG plots and self-contained HTML pages of evaluation runs.
        .target(name: "Reports", dependencies: ["Base", "Evaluation"]),
        .target(name: "Training", dependencies: ["Base", "TensorEngine", "WeightFormats", "Tokenizers", "ChatTemplates", "Models", "Console"]),
        // Reward model: a scalar head on the last token's hidden state plus LoRA, trained by regression.
        .target(name: "RewardModeling", dependencies: ["Base", "TensorEngine", "WeightFormats", "Tokenizers", "Models", "Training"]),

        // Evaluation runs as a library: the sampling protocol and its seeds, resume, reward scoring,
        // embedding, measurement and the run's files; `evaluate diversity` on given samples.
        .target(name: "EvaluationRuns", dependencies: ["Base", "Embeddings", "Evaluation", "Generation", "Models",
                                                       "RewardModeling", "Sampling"]),

        // The PyTorch backend (docs/scale-out.md): run spec, Python stack check, launch; evaluation
        // runs sampled with transformers (a SampleGenerator).
        .target(name: "TorchBackend", dependencies: ["Base", "EvaluationRuns", "Models", "Sampling", "Training"]),
        // Watching training: probes of the current weights' diversity, TensorBoard event files, the
        // live page of `divtune monitor` (docs/formats.md §4.5.1–§4.5.3).
        .target(name: "Monitor", dependencies: ["Base", "Evaluation", "EvaluationRuns", "Generation", "Models", "Reports", "Sampling", "Training",
                                                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                                                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        // Creative tasks (docs/creative.md): the model as an idea judge, pointwise and pairwise, and the co-pilot chain.
        .target(name: "Creative", dependencies: ["Base", "ChatTemplates", "Evaluation", "Generation", "Models", "Sampling", "TensorEngine"]),

        // Layer 4: the OpenAI-compatible HTTP server.
        .target(name: "Server", dependencies: [
            "Base", "Generation", "Models", "Sampling", "Tokenizers", "ChatTemplates", "Console",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Human evaluation studies (docs/human-evaluation.md): the SQLite study store, assignment, results.
        .target(name: "HumanEvaluation", dependencies: ["Base", "Evaluation", "Preference", "Reports", .product(name: "GRDB", package: "GRDB.swift"),
                                                        .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")]),

        // Layer 4: the command-line tool.
        .executableTarget(name: "divtune", dependencies: [
            "Base", "TensorEngine", "WeightFormats", "Tokenizers", "ChatTemplates", "Models", "Embeddings",
            "Sampling", "Generation", "Preference", "Evaluation", "EvaluationRuns", "Console", "Reports", "Training", "RewardModeling", "Server",
            "Monitor", "TorchBackend",
            "Creative", "HumanEvaluation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fuzz targets (docs/fuzzing.md): scripts/fuzz.sh builds them with libFuzzer; a plain build replays inputs.
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzGGUF", dependencies: ["FuzzSupport", "Models", "Tokenizers", "WeightFormats"], path: "Fuzz/FuzzGGUF"),
        .executableTarget(name: "FuzzSafetensors", dependencies: ["FuzzSupport", "WeightFormats"], path: "Fuzz/FuzzSafetensors"),
        .executableTarget(name: "FuzzTokenizerJSON", dependencies: ["FuzzSupport", "Tokenizers"], path: "Fuzz/FuzzTokenizerJSON"),
        .executableTarget(name: "FuzzTokenize", dependencies: ["Base", "FuzzSupport", "Models", "Tokenizers", "WeightFormats"], path: "Fuzz/FuzzTokenize"),
        .executableTarget(name: "FuzzChatTemplate", dependencies: ["FuzzSupport", "ChatTemplates"], path: "Fuzz/FuzzChatTemplate"),
        .executableTarget(name: "FuzzImport", dependencies: ["FuzzSupport", "Preference"], path: "Fuzz/FuzzImport"),
        .executableTarget(name: "FuzzPrepare", dependencies: ["FuzzSupport", "Preference"], path: "Fuzz/FuzzPrepare"),
        .executableTarget(name: "FuzzModelConfig", dependencies: ["FuzzSupport", "Models"], path: "Fuzz/FuzzModelConfig"),
        .executableTarget(name: "FuzzServerRequest", dependencies: ["FuzzSupport", "Server"], path: "Fuzz/FuzzServerRequest"),

        // Test support: a loopback HTTP client (SSE included) and a WebDriver client for headless Chromium.
        .target(name: "LoopbackTesting", dependencies: ["Base"], path: "Tests/LoopbackTesting"),
        .testTarget(name: "BaseTests", dependencies: ["Base"]),
        .testTarget(name: "TensorEngineTests", dependencies: ["Base", "TensorEngine"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WeightFormatsTests", dependencies: ["Base", "WeightFormats"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Base", "Tokenizers"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ChatTemplatesTests", dependencies: ["ChatTemplates"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelsTests", dependencies: ["Base", "TensorEngine", "ChatTemplates", "Models", "Sampling", "Generation", "WeightFormats", "Tokenizers"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Base", "Embeddings", "TensorEngine"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SamplingTests", dependencies: ["Base", "Sampling"]),
        .testTarget(name: "GenerationTests", dependencies: ["Base", "Generation", "Models", "Sampling", "Tokenizers", "ChatTemplates", "TensorEngine"]),
        .testTarget(name: "PreferenceTests", dependencies: ["Base", "Embeddings", "Preference"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ConsoleTests", dependencies: ["Base", "Console"]),
        .testTarget(name: "RewardModelingTests", dependencies: ["Base", "RewardModeling", "Models", "TensorEngine", "Tokenizers"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ReportsTests", dependencies: ["Base", "Reports", "Evaluation"]),
        .testTarget(name: "TrainingTests", dependencies: ["Base", "Evaluation", "Training", "Models", "TensorEngine", "WeightFormats"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TorchBackendTests", dependencies: ["Base", "TorchBackend", "Training"]),
        .testTarget(name: "MonitorTests", dependencies: ["Base", "Evaluation", "LoopbackTesting", "Monitor", "Training",
                                                       .product(name: "HummingbirdTesting", package: "hummingbird")], resources: [.copy("Fixtures")]),
        .testTarget(name: "ServerTests", dependencies: [
            "Base", "Server", "Models", "Generation", "Sampling", "ChatTemplates", "TensorEngine", "Tokenizers", "LoopbackTesting",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "EvaluationTests", dependencies: ["Base", "Evaluation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CreativeTests", dependencies: ["Base", "Creative", "Evaluation", "Models", "TensorEngine"]),
        .testTarget(name: "HumanEvaluationTests", dependencies: ["Base", "Evaluation", "HumanEvaluation", .product(name: "GRDB", package: "GRDB.swift"),
                                                                .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "EvaluationRunsTests", dependencies: ["Base", "Embeddings", "Evaluation", "EvaluationRuns", "Models", "Sampling"]),
        // Parses and runs commands in-process, or runs the built `divtune` executable.
        .testTarget(name: "DivTuneCLITests", dependencies: ["divtune", "Base", "ChatTemplates", "Creative", "Embeddings", "Evaluation", "EvaluationRuns", "HumanEvaluation", "LoopbackTesting", "Models", "Monitor", "Preference", "Sampling", "Training",
                                                            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ],
    swiftLanguageModes: [.v5]
)
