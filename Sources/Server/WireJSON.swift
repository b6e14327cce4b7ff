import Foundation
import Hummingbird

/// The JSON of a wire type as the server sends it: keys sorted (the same bytes for the same value)
/// and slashes unescaped.
func jsonData(_ value: some Encodable) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Only a non-finite number fails; an empty object then, as before the types.
    return (try? encoder.encode(value)) ?? Data("{}".utf8)
}

func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: jsonData(value))))
}

func errorResponse(_ error: APIError) -> Response {
    jsonResponse(error.body, status: error.status)
}
