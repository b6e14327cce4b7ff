/// Whether operations record the autograd graph. Task-local, so a server's inference tasks and a
/// trainer can run side by side; code outside any task sees the default (enabled).
public enum GradMode {
    @TaskLocal public static var isEnabled: Bool = true
}

extension Tensor {
    /// Runs `body` without recording gradients: no graph is built and intermediates are freed as
    /// soon as they are unreferenced (inference, reference log-probs, evaluation).
    public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
        try GradMode.$isEnabled.withValue(false) { try body() }
    }

    public static var isGradEnabled: Bool { GradMode.isEnabled }
}
