import FuzzSupport
import Server

/// A request body as `divtune serve` decodes it for `/v1/chat/completions` and `/v1/completions`:
/// JSON parsing and every field's type and range check (docs/fuzzing.md).
@main enum FuzzServerRequest {
    static func main() {
        FuzzTarget.run { data in
            _ = try? RequestBodyCheck.validate(body: data, chat: true)
            try RequestBodyCheck.validate(body: data, chat: false)
        }
    }
}
