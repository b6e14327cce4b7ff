import Foundation

/// Atomic writes for report files: Foundation's `.atomic` option writes a temporary file in the
/// same folder and renames it over the destination, so readers never see half a page.
public enum ReportFile {
    public static func write(_ data: Data, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw ReportError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
