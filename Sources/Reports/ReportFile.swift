import Base
import Foundation

/// Atomic writes for report files (``AtomicFile``), so readers never see half a page.
public enum ReportFile {
    public static func write(_ data: Data, to url: URL) throws {
        try AtomicFile.write(data, to: url)
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
