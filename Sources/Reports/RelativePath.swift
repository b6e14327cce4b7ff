import Foundation

/// A path as a report shows it: relative to the report's folder (`../sft`, `runs/base`), so a
/// report reads the same wherever the output folder is moved or whoever made it.
public enum RelativePath {
    /// `path` (absolute, or relative to the current directory) seen from `folder`.
    public static func display(_ path: String, from folder: URL) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let base = folder.standardizedFileURL.pathComponents
        var shared = 0
        while shared < min(target.count, base.count), target[shared] == base[shared] { shared += 1 }
        // Paths that share only the root are clearer absolute.
        guard shared > 1 else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let parts = Array(repeating: "..", count: base.count - shared) + target[shared...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
