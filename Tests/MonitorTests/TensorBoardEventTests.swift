import Base
import Foundation
import Testing
@testable import Monitor

/// DivTune's event records against the bytes tensorboard's own RecordWriter and protobuf classes
/// write for the same events (Fixtures/golden.tfevents, from scripts/reference/tensorboard_events.py).
struct TensorBoardEventTests {
    static let wallTime = 1_700_000_000.0

    /// The events of the golden file, in its order.
    static let goldenEvents: [TensorBoardEvent] = [
        TensorBoardEvent(wallTime: wallTime, step: 0, content: .fileVersion("brain.Event:2")),
        TensorBoardEvent(wallTime: wallTime + 0.5, step: 3, content: .summary([.init(tag: "loss", value: .scalar(0.25))])),
        TensorBoardEvent(wallTime: wallTime + 1, step: 3, content: .summary([.init(tag: "sample/text_summary", value: .text("hi"))])),
        TensorBoardEvent(wallTime: wallTime + 2.25, step: 300, content: .summary([.init(tag: "train/rewards/margins", value: .scalar(-1.5e-3))])),
        TensorBoardEvent(wallTime: wallTime + 3, step: 300,
                         content: .summary([.init(tag: "monitor/samples/text_summary", value: .text("Ünïcode — «quotes»\nline two"))])),
    ]

    static var goldenURL: URL { Bundle.module.url(forResource: "Fixtures/golden", withExtension: "tfevents")! }

    @Test func recordsAreTensorBoardsBytes() throws {
        let golden = try Data(contentsOf: Self.goldenURL)
        let written = Self.goldenEvents.reduce(into: Data()) { $0.append(TFRecord.frame($1.encoded())) }
        #expect(written == golden)
        // The framing of the first record, spelled out (docs/formats.md §4.5.1).
        #expect(Array(written.prefix(12)) == [0x18, 0, 0, 0, 0, 0, 0, 0, 0xA3, 0x7F, 0x4B, 0x22])
    }

    @Test func readsBackWhatItWrites() throws {
        #expect(try TensorBoardEventFiles.read(Self.goldenURL) == Self.goldenEvents)
    }

    /// A scalar of 0 is still written (it sits in a oneof), else readers would see no value.
    @Test func aZeroScalarAndANegativeStepAreKept() throws {
        let event = TensorBoardEvent(wallTime: 0, step: -2, content: .summary([.init(tag: "x", value: .scalar(0))]))
        let bytes = event.encoded()
        #expect(bytes == [0x10] + [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
                + [0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, 0x78, 0x15, 0, 0, 0, 0])
        #expect(try TensorBoardEvent(decoding: bytes[...]) == event)
    }

    @Test func malformedMessagesAreErrorsNotCrashes() {
        for bytes: [UInt8] in [[0x0A, 0x05, 0x41], [0x10], [0x09, 0, 0], [0x0B], [0x00], [0x10] + [UInt8](repeating: 0xFF, count: 11)] {
            #expect(throws: ProtobufReader.Malformed.self) { try TensorBoardEvent(decoding: bytes[...]) }
        }
    }
}
