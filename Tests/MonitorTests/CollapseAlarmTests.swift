import Foundation
import Monitor
import Testing
import Training

/// The collapse alarm: step 0 sets the baseline, a probe under floor × baseline warns with the
/// numbers, a resumed run takes its baseline back from metrics.jsonl, a bad floor is refused.
@Suite struct CollapseAlarmTests {
    static func probe(_ step: Int, _ diversity: Double) -> MetricsRecord {
        MetricsRecord(step: step, values: [CollapseAlarm.key: diversity, "monitor/ngram_diversity": 0.9])
    }

    @Test func warnsBelowTheFloorOfStepZero() throws {
        let alarm = try CollapseAlarm(floor: 0.8)
        #expect(alarm.check(Self.probe(3, 0.1)) == nil)   // no baseline yet
        #expect(alarm.check(Self.probe(0, 0.5)) == nil && alarm.baseline == 0.5)
        #expect(alarm.check(Self.probe(2, 0.4)) == nil)   // exactly at the floor
        #expect(alarm.check(MetricsRecord(step: 3, values: ["loss": 0.1])) == nil)
        let warning = try #require(alarm.check(Self.probe(4, 0.3)))
        #expect(warning.step == 4 && warning.kind == "diversity_collapse")
        #expect(warning.message == "semantic diversity collapsed at step 4: 0.3 is 0.6 × step 0's 0.5, below the floor 0.8 × 0.5 = 0.4")
        #expect(warning.values == ["monitor/collapse_ratio": 0.6, "monitor/collapse_floor": 0.8])
        for floor in [0, -1, Double.nan, .infinity] {
            #expect(throws: TrainingError.self) { try CollapseAlarm(floor: floor) }
        }
    }

    @Test func aResumedRunTakesItsBaselineFromTheLog() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("alarm-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"step\": 0, \"monitor/semantic_diversity\": 0.62}\n{\"step\": 1, \"loss\": 0.7}\n{\"step\": 2, \"monitor/semantic_diversity\": 0.5}\n".utf8)
            .write(to: url)
        let alarm = try CollapseAlarm(floor: 0.9)
        try alarm.restoreBaseline(from: url)
        #expect(alarm.baseline == 0.62)
        #expect(alarm.check(Self.probe(4, 0.55))?.step == 4)
    }
}
