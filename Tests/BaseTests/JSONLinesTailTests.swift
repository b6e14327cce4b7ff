import Base
import Foundation
import Testing

/// A log followed while it grows: partial last lines wait, replaced or cut-back files restart,
/// a bad complete line is an error naming its line and does not stop the lines after it.
@Suite struct JSONLinesTailTests {
    func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func steps(_ update: JSONLinesTail.Update) -> [Double] {
        update.rows.compactMap { if case .number(let n)? = $0.value("step") { return n } else { return nil } }
    }

    @Test func followsAGrowingFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let tail = JSONLinesTail(url: url)
        // Not there yet: nothing, and no error.
        #expect(try tail.read().rows.isEmpty)
        try Data("{\"step\": 1}\n{\"step\": 2".utf8).write(to: url)
        var update = try tail.read()
        #expect(steps(update) == [1] && !update.restarted)
        // The cut-off line stays unread until its newline arrives.
        #expect(try tail.read().rows.isEmpty)
        try append(", \"loss\": 0.5}\n\n{\"step\": 3}\r\n", to: url)
        update = try tail.read()
        #expect(steps(update) == [2, 3] && update.rows.map(\.line) == [2, 4])
        // A malformed complete line is an error naming it; the next line is still read.
        try append("{\"step\": 4,\n{\"step\": 5}\n", to: url)
        update = try tail.read()
        #expect(steps(update) == [5] && update.errors.map(\.line) == [5])
        #expect(update.errors.first?.description.hasPrefix("\(url.path):5: malformed JSON") == true)
        // Replaced atomically with a shorter file (a resume cut it back): read again from the start.
        try AtomicFile.write(Data("{\"step\": 1}\n".utf8), to: url)
        update = try tail.read()
        #expect(update.restarted && steps(update) == [1] && update.rows.map(\.line) == [1])
        try append("{\"step\": 2}\n", to: url)
        update = try tail.read()
        #expect(!update.restarted && steps(update) == [2])
    }
}
