import Foundation
import FuzzSupport
import Tokenizers

/// A `tokenizer.json`: parsed and built into a tokenizer, which then encodes a fixed text (plain,
/// accented, CJK and emoji text, digits, whitespace runs and special-token spellings) and decodes
/// the ids again, whole and streamed (docs/fuzzing.md).
@main enum FuzzTokenizerJSON {
    static let text = "Hello, world!  It's 12345 ünïcödé 日本語 🎉\t\n\n<|im_start|>user\n[CLS] <s> </s> [UNK]  end"

    static func main() {
        FuzzTarget.run { data in
            let tokenizer = try PreTrainedTokenizer(data: data)
            let ids = tokenizer.encode(text, addSpecialTokens: true, maxLength: 512)
            _ = tokenizer.decode(ids, skipSpecialTokens: true)
            var stream = StreamingDetokenizer(tokenizer: tokenizer)
            for id in ids { _ = stream.append(id) }
            _ = stream.flush()
        }
    }
}
