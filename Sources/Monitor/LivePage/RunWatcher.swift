import Foundation
import Reports

/// The runs a monitor page shows, re-read on demand: every ``current()`` picks up what the runs
/// appended and, when anything changed, renders the page again under a new version number.
/// One actor serialises the file reads of all the page's connections.
actor RunWatcher {
    private let runs: [MonitoredRun]
    private(set) var version = 0
    private var page = HTMLPage(title: "")

    /// Opens each folder (refusing one that is not a run); two folders of one name are labelled by their paths.
    init(folders: [URL]) throws {
        let names = folders.map { $0.standardizedFileURL.lastPathComponent }
        runs = try folders.enumerated().map { index, url in
            try MonitoredRun(url: url, name: names.filter { $0 == names[index] }.count > 1 ? url.path : names[index])
        }
    }

    /// The page as the runs stand now, and its version.
    func current() -> (version: Int, page: HTMLPage) {
        let changed = runs.map { $0.refresh() }.contains(true)
        if changed || version == 0 {
            version += 1
            page = MonitorPage.page(runs)
        }
        return (version, page)
    }
}
