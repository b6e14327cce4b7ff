import Foundation
import FuzzSupport
import Preference

/// `divtune import`'s readers on one input: WritingPrompts-style JSONL and CSV, and TRL preference
/// JSONL (standard and conversational), each as it reads a file (docs/fuzzing.md).
@main enum FuzzImport {
    static func main() {
        let file = FuzzTarget.scratchFile("import")
        let options = ImportOptions(minimumResponses: 1, skipInvalid: true)
        FuzzTarget.run { data in
            try data.write(to: file)
            for format in WritingPromptsImporter.Format.allCases {
                _ = try? WritingPromptsImporter(options: options).read(url: file, format: format)
                _ = try? WritingPromptsImporter().read(url: file, format: format)
            }
            _ = try? TRLPreferenceImporter(options: options).read(url: file)
            _ = try? TRLPreferenceImporter().read(url: file)
        }
    }
}
