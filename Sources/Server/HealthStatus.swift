/// `GET /health`: the model served, whether the worker is busy and how many samples it decodes
/// together, how many requests wait for room in the batch, and how
/// many generations finished or were cancelled by a departed client, and how many request-log lines
/// could not be written.
struct HealthStatus: Encodable, Sendable {
    let status = "ok"
    let model: String
    let busy: Bool
    let decoding: Int
    let waiting: Int
    let completed: Int
    let cancelled: Int
    let logWriteFailures: Int

    enum CodingKeys: String, CodingKey {
        case status, model, busy, decoding, waiting, completed, cancelled
        case logWriteFailures = "log_write_failures"
    }
}
