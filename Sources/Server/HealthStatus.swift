/// `GET /health`: the model served, whether the worker is busy, how many requests wait, and how
/// many generations finished or were cancelled by a departed client.
struct HealthStatus: Encodable, Sendable {
    let status = "ok"
    let model: String
    let busy: Bool
    let waiting: Int
    let completed: Int
    let cancelled: Int
}
