import Foundation

/// One record of a TensorBoard event file: TensorFlow's `Event` message with the parts DivTune
/// writes — the file version, or a `Summary` of scalars (`simple_value`) and texts (a string tensor
/// with the text plugin's metadata, as torch's `add_text`) — docs/formats.md §4.5.1.
public struct TensorBoardEvent: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// `brain.Event:2`, the first record of every file.
        case fileVersion(String)
        case summary([SummaryValue])
        /// A kind of event DivTune does not write (graphs, session logs, …), kept opaque.
        case other
    }

    public struct SummaryValue: Sendable, Equatable {
        public enum Value: Sendable, Equatable {
            /// A float32, as TensorBoard stores scalars.
            case scalar(Float)
            case text(String)
        }

        public var tag: String
        public var value: Value

        public init(tag: String, value: Value) {
            self.tag = tag
            self.value = value
        }
    }

    /// The version string readers expect; 2 makes them purge only on an explicit restart record.
    public static let fileVersion = "brain.Event:2"

    public var wallTime: Double
    public var step: Int64
    public var content: Content

    public init(wallTime: Double, step: Int64, content: Content) {
        self.wallTime = wallTime
        self.step = step
        self.content = content
    }

    /// The serialized message (fields in ascending order; proto3 leaves out zeros and empty
    /// strings, except a scalar's value, which sits in a `oneof`).
    public func encoded() -> [UInt8] {
        var event = ProtobufWriter()
        if wallTime != 0 { event.double(1, wallTime) }
        if step != 0 { event.varint(2, step) }
        switch content {
        case let .fileVersion(version):
            event.string(3, version)
        case let .summary(values):
            event.message(5) { summary in
                for value in values { summary.message(1) { Self.encode(value, into: &$0) } }
            }
        case .other:
            break
        }
        return event.bytes
    }

    private static func encode(_ value: SummaryValue, into message: inout ProtobufWriter) {
        if !value.tag.isEmpty { message.string(1, value.tag) }
        switch value.value {
        case let .scalar(number):
            message.float(2, number)
        case let .text(text):
            message.message(8) { tensor in
                tensor.varint(1, dataTypeString)
                tensor.message(2) { shape in shape.message(2) { dim in dim.varint(1, 1) } }
                tensor.string(8, text)
            }
            message.message(9) { metadata in metadata.message(1) { plugin in plugin.string(1, textPluginName) } }
        }
    }

    /// TensorFlow's `DT_STRING`.
    private static let dataTypeString: Int64 = 7
    private static let textPluginName = "text"

    /// Decodes a serialized `Event`; fields DivTune does not write are skipped.
    public init(decoding bytes: ArraySlice<UInt8>) throws {
        var reader = ProtobufReader(bytes)
        wallTime = 0
        step = 0
        content = .other
        var values: [SummaryValue]?
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case let (1, .fixed64(bits)): wallTime = Double(bitPattern: bits)
            case let (2, .varint(raw)): step = Int64(bitPattern: raw)
            case let (3, .bytes(text)): content = .fileVersion(String(decoding: text, as: UTF8.self))
            case let (5, .bytes(summary)):
                var summaryReader = ProtobufReader(summary)
                var decoded: [SummaryValue] = []
                while let (summaryField, entry) = try summaryReader.next() {
                    if summaryField == 1, case let .bytes(valueBytes) = entry, let v = try Self.decodeValue(valueBytes) { decoded.append(v) }
                }
                values = (values ?? []) + decoded
            case (4...9, _): content = .other
            default: break
            }
        }
        if let values { content = .summary(values) }
    }

    /// A `Summary.Value` holding a scalar or a string tensor; nil for other kinds.
    private static func decodeValue(_ bytes: ArraySlice<UInt8>) throws -> SummaryValue? {
        var reader = ProtobufReader(bytes)
        var tag = ""
        var value: SummaryValue.Value?
        while let (field, entry) = try reader.next() {
            switch (field, entry) {
            case let (1, .bytes(text)): tag = String(decoding: text, as: UTF8.self)
            case let (2, .fixed32(bits)): value = .scalar(Float(bitPattern: bits))
            case let (8, .bytes(tensor)):
                var tensorReader = ProtobufReader(tensor)
                var strings: [UInt8] = []
                while let (tensorField, item) = try tensorReader.next() {
                    if tensorField == 8, case let .bytes(s) = item { strings += s }
                }
                value = .text(String(decoding: strings, as: UTF8.self))
            default: break
            }
        }
        return value.map { SummaryValue(tag: tag, value: $0) }
    }
}
