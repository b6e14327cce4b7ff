import Foundation
import Testing
@testable import TorchBackend
import Training

@Suite struct TorchRunSpecTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-torch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func theSpecCarriesEverySettingWithItsDefaultMadeExplicit() throws {
        var settings = TrainingSettings()
        settings.setFlag("model", "/models/m")
        settings.setFlag("learning_rate", Float(5e-6))
        settings.setFlag("lora_targets", "q_proj,v_proj")
        let c = try TrainingConfiguration.forRun(.dorpo, settings: settings)
        let folder = try temporaryFolder()
        var launch = TorchLaunch()
        launch.numProcesses = 2
        let spec = TorchRunSpec(configuration: c, data: "pairs.jsonl", output: folder.appendingPathComponent("run"), overwrite: false,
                                resume: nil, launch: launch)
        try spec.write(command: ["python3", "-m", "x"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: spec.url)) as? [String: Any])
        #expect(object["format"] as? String == "divtune-torch-run/1")
        #expect(object["method"] as? String == "dorpo")
        let values = try #require(object["configuration"] as? [String: Any])
        #expect(values["learning_rate"] as? Double == 5e-6)
        #expect(values["beta"] as? Double == 0.1)
        #expect(values["orpo_weighting"] as? String == "reference")
        #expect(values["max_length"] as? Int == 1024)   // ORPO's default length (docs/methods.md §5.4)
        #expect(values["lora_rank"] as? Int == 16 && values["lora_alpha"] as? Double == 32)
        #expect(values["lora_targets"] as? [String] == ["q_proj", "v_proj"])
        #expect(values["prompt_style"] as? String == "completion")
        #expect((values["data"] as? String)?.hasPrefix("/") == true)
        let launchValues = try #require(object["launch"] as? [String: Any])
        #expect(launchValues["launcher"] as? String == "torchrun" && launchValues["num_processes"] as? Int == 2)
        #expect(object["command"] as? [String] == ["python3", "-m", "x"])
    }

    @Test func aMultiTaskSpecNamesItsTaskPlanWrittenBesideIt() throws {
        var settings = TrainingSettings()
        settings.setFlag("model", "/models/m")
        settings.setFlag("task_mixture", "idea=1")
        settings.setFlag("max_steps", 3)
        let c = try TrainingConfiguration.forRun(.sft, settings: settings)
        let plan = try TaskMixturePlan.resolve(tasks: ["idea", "idea", "idea", "headline"], configuration: c, microBatchSize: 2)
        let folder = try temporaryFolder()
        let spec = TorchRunSpec(configuration: c, data: "tasks.jsonl", output: folder, overwrite: false, resume: nil, launch: TorchLaunch(),
                                taskPlan: plan)
        try spec.write(command: ["python3"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: spec.url)) as? [String: Any])
        #expect(object["task_plan"] as? String == folder.appendingPathComponent("task_plan.json").standardizedFileURL.path)
        let written = try JSONDecoder().decode(TaskMixturePlan.self, from: Data(contentsOf: spec.taskPlanURL))
        #expect(written == plan && written.steps.count == 3)
        #expect(written.steps.flatMap { $0 }.allSatisfy { $0.task == "idea" && Set($0.rows).isSubset(of: [0, 1, 2]) })
        try TorchTraining.refuseExistingRun(in: folder)   // a spec and its plan are not a run
    }

    /// A reward run's spec (docs/scale-out.md §8): method `reward`, its settings with the resolved
    /// data's keys, and reward_data.jsonl with the training examples, then the validation ones.
    @Test func aRewardSpecCarriesTheResolvedDataAndWritesItsExamples() throws {
        let folder = try temporaryFolder().appendingPathComponent("run")
        let resolved = TorchRewardRun.Resolved(train: [.init(ids: [5, 6], target: 0.5), .init(ids: [7], target: -1)],
                                               validation: [.init(ids: [8, 9, 10], target: 0.25)], epochOrders: [[1, 0], [0, 1]],
                                               initialHead: [0.125, -0.5], config: ["max_length": 64, "tokenizer_sha256": "ab"])
        var spec = TorchRunSpec(configuration: try TrainingConfiguration.forRun(.sft, settings: TrainingSettings()), data: "scores.jsonl",
                                output: folder, overwrite: true, resume: nil, launch: TorchLaunch(),
                                reward: TorchRewardRun(settings: ["loss": "l1", "batch_size": 2]))
        #expect(try spec.settings()["reward_data"] == nil)   // before launch (a dry run) nothing is resolved
        spec.reward?.resolved = resolved
        try spec.write(command: ["python3"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: spec.url)) as? [String: Any])
        #expect(object["method"] as? String == "reward")
        let values = try #require(object["configuration"] as? [String: Any])
        #expect(values["loss"] as? String == "l1" && values["overwrite"] as? Bool == true && (values["data"] as? String)?.hasPrefix("/") == true)
        #expect(values["epoch_orders"] as? [[Int]] == [[1, 0], [0, 1]])
        #expect((values["reward_head"] as? [String: Any])?["weight"] as? [Double] == [0.125, -0.5])
        #expect((values["reward_config"] as? [String: Any])?["tokenizer_sha256"] as? String == "ab")
        let dataURL = folder.appendingPathComponent(TorchRewardRun.dataFile)
        #expect(values["reward_data"] as? String == dataURL.path)
        let lines = try String(contentsOf: dataURL, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == [#"{"ids":[5,6],"split":"train","target":0.5}"#, #"{"ids":[7],"split":"train","target":-1}"#,
                          #"{"ids":[8,9,10],"split":"validation","target":0.25}"#])
    }

    @Test func theLastCompleteCheckpointIsTheOneToResumeFrom() throws {
        let folder = try temporaryFolder()
        for (name, complete) in [("checkpoint-2", true), ("checkpoint-4", true), ("checkpoint-6", false), ("checkpoint-x", true)] {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            if complete { try Data("{}".utf8).write(to: url.appendingPathComponent("trainer_state.json")) }
        }
        #expect(TorchTraining.lastCheckpoint(in: folder)?.lastPathComponent == "checkpoint-4")
        #expect(TorchTraining.lastCheckpoint(in: folder.appendingPathComponent("none")) == nil)
    }

    @Test func aNewRunRefusesAFolderThatHoldsOne() throws {
        let folder = try temporaryFolder()
        try TorchTraining.refuseExistingRun(in: folder.appendingPathComponent("missing"))
        try Data().write(to: folder.appendingPathComponent(TorchRunSpec.fileName))
        try TorchTraining.refuseExistingRun(in: folder)
        try Data().write(to: folder.appendingPathComponent("metrics.jsonl"))
        #expect(throws: TrainingError.self) { try TorchTraining.refuseExistingRun(in: folder) }
    }
}
