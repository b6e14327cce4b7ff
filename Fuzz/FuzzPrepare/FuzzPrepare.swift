import Foundation
import FuzzSupport
import Preference

/// `divtune prepare`'s input (scored responses, grouped or flat JSONL) read as the command reads
/// it, then paired and weighted by style deviation and by DivPO with the offline stylometric
/// embedder (docs/fuzzing.md).
@main enum FuzzPrepare {
    static func main() {
        let file = FuzzTarget.scratchFile("prepare.jsonl")
        FuzzTarget.run { data in
            try data.write(to: file)
            _ = try? PreferenceDataset.read(url: file, format: .auto, skipInvalid: false)
            let dataset = try PreferenceDataset.read(url: file, format: .auto, skipInvalid: true)
            _ = try PreparePipeline(options: PrepareOptions(minimumGap: 1, deviation: .style)).run(dataset)
            _ = try PreparePipeline(options: PrepareOptions(minimumGap: 0, deviation: .style, maxResponses: 4, sortByScore: true,
                                                            minDeviation: -0.8, divpo: DivPOOptions())).run(dataset)
        }
    }
}
