/// `GET /health`: the model served, whether the worker is busy, how many requests wait, and how
/// many generations finished or were cancelled by a departed client, and how many request-log lines
/// could not be written.
struct HealthStatus: Encodable, Sendable {
    let status = "ok"
    let model: String
    let busy: Bool
    let waiting: Int
    let completed: Int
    let cancelled: Int
    let logWriteFailures: Int

    enum CodingKeys: String, CodingKey {
        case status, model, busy, waiting, completed, cancelled
        case logWriteFailures = "log_write_failures"
    }
}
