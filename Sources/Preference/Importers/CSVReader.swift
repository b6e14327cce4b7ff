import Base
import Foundation

/// One field of a CSV record with where it starts (1-based line and column in characters).
public struct CSVField: Hashable, Sendable {
    public var text: String
    public var line: Int
    public var column: Int
}

/// A CSV record, or the reason it could not be read (with the position of the problem).
public enum CSVRecord: Sendable {
    case fields([CSVField], line: Int)
    case invalid(line: Int, column: Int, reason: String)
}

/// Streams RFC 4180 CSV (comma-separated, `"`-quoted fields that may hold commas, newlines and
/// `""` escapes; LF or CRLF line ends; an optional UTF-8 byte-order mark) record by record
/// without loading the file whole, so multi-gigabyte Reddit dumps fit in memory.
///
/// Lenient where Python's `csv` module is (a `"` inside an unquoted field is kept as text); strict
/// where data would otherwise be silently mangled: text after a closing quote, an unterminated
/// quote at the end of the file, or invalid UTF-8 is reported as an ``CSVRecord/invalid(line:column:reason:)``
/// record. After a problem the reader resumes at the next line, so callers can skip and go on.
public enum CSVReader {
    /// Calls `body` for every record (blank lines are skipped); `progress` receives bytes read so far.
    public static func forEachRecord(of url: URL, progress: ((Int) -> Void)? = nil,
                                     _ body: (CSVRecord) throws -> Void) throws {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw PreferenceError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        var parser = Parser()
        var bytesRead = 0
        var first = true
        while true {
            let chunk: Data
            do { chunk = try handle.readChunk() } catch {
                throw PreferenceError.unreadable(file: url.path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            bytesRead += chunk.count
            try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var bytes = raw.bindMemory(to: UInt8.self)[...]
                if first, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
                first = false
                try parser.consume(UnsafeBufferPointer(rebasing: bytes), body)
            }
            progress?(bytesRead)
        }
        if let record = parser.finish() { try body(record) }
    }

    /// Parses CSV text held in memory (tests, small files).
    public static func records(in text: String) -> [CSVRecord] {
        var parser = Parser()
        var out: [CSVRecord] = []
        var text = text
        text.withUTF8 { parser.consume($0) { out.append($0) } }
        if let r = parser.finish() { out.append(r) }
        return out
    }

    /// A state machine over bytes; positions count characters (UTF-8 lead bytes), not bytes.
    struct Parser {
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted, afterCarriageReturn, skippingLine }
        var state = State.fieldStart
        var line = 1, column = 0
        var field: [UInt8] = []
        var fields: [CSVField] = []
        var fieldLine = 1, fieldColumn = 1
        var recordLine = 1
        var problem: (line: Int, column: Int, reason: String)?
        var invalidUTF8: (line: Int, column: Int)?

        /// Feeds a buffer, calling `body` for each record that ends in it. Runs of ordinary bytes inside
        /// a field are copied in bulk (most of a dump is story text); the rest goes byte by byte.
        mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (CSVRecord) throws -> Void) rethrows {
            guard let base = bytes.baseAddress else { return }
            let count = bytes.count
            var i = 0
            while i < count {
                var end = i
                if state == .quoted {
                    // Everything up to the next quote is field text, newlines included.
                    end = memchr(base + i, 0x22, count - i).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? count
                } else if state == .unquoted {
                    while end < count, base[end] != 0x2C, base[end] != 0x0A, base[end] != 0x0D { end += 1 }
                }
                if end > i {
                    appendRun(UnsafeBufferPointer(start: base + i, count: end - i))
                    i = end
                    continue
                }
                if let record = consume(base[i]) { try body(record) }
                i += 1
            }
        }

        /// Appends field text, keeping the line and column (characters = UTF-8 lead bytes) current.
        private mutating func appendRun(_ run: UnsafeBufferPointer<UInt8>) {
            field.append(contentsOf: run)
            func characters(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int {
                bytes.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) }
            }
            if let lastNewline = run.lastIndex(of: 0x0A) {
                line += run.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                column = characters(run[(lastNewline + 1)...])
            } else {
                column += characters(run[...])
            }
        }

        /// Feeds one byte; returns a record when one ends.
        mutating func consume(_ byte: UInt8) -> CSVRecord? {
            if byte & 0xC0 != 0x80 { column += 1 }
            if state == .afterCarriageReturn {
                // A lone CR inside an unquoted field was already a record end; swallow the LF of CRLF.
                state = .fieldStart
                if byte == 0x0A { column = 0; return nil }
            }
            switch state {
            case .skippingLine:
                if byte == 0x0A { newline(); state = .fieldStart; return takeProblem() }
                return nil
            case .fieldStart:
                fieldLine = line; fieldColumn = column
                if fields.isEmpty { recordLine = line }
                switch byte {
                case 0x22: state = .quoted; return nil
                case 0x2C: endField(); return nil
                case 0x0A: newline(); return fields.isEmpty ? nil : endRecord()
                case 0x0D: state = .afterCarriageReturn; newline(); return fields.isEmpty ? nil : endRecord()
                default: field.append(byte); state = .unquoted; return nil
                }
            case .unquoted:
                switch byte {
                case 0x2C: endField(); state = .fieldStart; return nil
                case 0x0A: newline(); state = .fieldStart; return endRecord()
                case 0x0D: newline(); state = .afterCarriageReturn; return endRecord()
                default: field.append(byte); return nil
                }
            case .quoted:
                if byte == 0x22 { state = .quoteInQuoted; return nil }
                field.append(byte)
                if byte == 0x0A { newline() }
                return nil
            case .quoteInQuoted:
                switch byte {
                case 0x22: field.append(0x22); state = .quoted; return nil
                case 0x2C: endField(); state = .fieldStart; return nil
                case 0x0A: newline(); state = .fieldStart; return endRecord()
                case 0x0D: newline(); state = .afterCarriageReturn; return endRecord()
                default:
                    problem = (line, column, "unexpected character after a closing quote (quotes inside a quoted field are written \"\")")
                    field.removeAll(keepingCapacity: true); fields.removeAll(); invalidUTF8 = nil
                    state = .skippingLine
                    return nil
                }
            case .afterCarriageReturn:
                return nil
            }
        }

        /// Ends the input: the last record when the file does not end with a newline.
        mutating func finish() -> CSVRecord? {
            switch state {
            case .quoted:
                let reason = "unterminated quoted field (opened at line \(fieldLine), column \(fieldColumn))"
                field.removeAll(); fields.removeAll(); invalidUTF8 = nil
                return .invalid(line: fieldLine, column: fieldColumn, reason: reason)
            case .skippingLine: return takeProblem()
            case .unquoted, .quoteInQuoted: return endRecord()
            case .fieldStart: return fields.isEmpty ? nil : endRecord()
            case .afterCarriageReturn: return nil
            }
        }

        private mutating func newline() { line += 1; column = 0 }

        private mutating func takeProblem() -> CSVRecord? {
            guard let p = problem else { return nil }
            problem = nil
            return .invalid(line: p.line, column: p.column, reason: p.reason)
        }

        private mutating func endField() {
            let text = field.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
            // Valid UTF-8 iff decoding repaired nothing (ASCII, the common case, is valid outright).
            if field.allSatisfy({ $0 < 0x80 }) || text.utf8.elementsEqual(field) {
                fields.append(CSVField(text: text, line: fieldLine, column: fieldColumn))
            } else {
                if invalidUTF8 == nil { invalidUTF8 = (fieldLine, fieldColumn) }
                fields.append(CSVField(text: "", line: fieldLine, column: fieldColumn))
            }
            field.removeAll(keepingCapacity: true)
        }

        /// Ends the record being read (a blank line never gets here: `fieldStart` checks for it).
        private mutating func endRecord() -> CSVRecord {
            endField()
            let record = fields
            fields.removeAll(keepingCapacity: true)
            if let bad = invalidUTF8 {
                invalidUTF8 = nil
                return .invalid(line: bad.line, column: bad.column, reason: "field is not valid UTF-8")
            }
            return .fields(record, line: recordLine)
        }
    }
}
