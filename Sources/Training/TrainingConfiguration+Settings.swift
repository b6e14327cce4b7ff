import Foundation
import Models

extension TrainingConfiguration {
    /// The settings keys this configuration decodes (the method comes from the command).
    public static let settingKeys = Set(CodingKeys.allCases.filter { $0 != .method }.map(\.rawValue))

    /// The configuration a run trains with (docs/formats.md §3.6): the resumed checkpoint's (else
    /// the defaults) changed by `settings`, validated, with the prompt style it trains recorded.
    public static func forRun(_ method: Method, settings: TrainingSettings, resuming saved: TrainingConfiguration? = nil) throws -> TrainingConfiguration {
        var c = saved ?? TrainingConfiguration()
        c.promptStyle = saved?.effectivePromptStyle   // pinned before `model` is recorded
        c.method = method
        c = try c.applying(settings)
        c.promptStyle = c.effectivePromptStyle
        try c.validate()
        return c
    }

    /// This configuration with every setting of `settings` it has a key for decoded into it; paths
    /// are recorded absolute, so `./m` and `/abs/m` compare equal on resume.
    public func applying(_ settings: TrainingSettings) throws -> TrainingConfiguration {
        var c = self
        func read<T>(_ key: CodingKeys, _ path: WritableKeyPath<TrainingConfiguration, T>, _ decode: (String) throws -> T?) rethrows {
            if let value = try decode(key.rawValue) { c[keyPath: path] = value }
        }
        func read<T>(_ key: CodingKeys, _ path: WritableKeyPath<TrainingConfiguration, T?>, _ decode: (String) throws -> T?) rethrows {
            if let value = try decode(key.rawValue) { c[keyPath: path] = value }
        }
        func number<T: LosslessStringConvertible>(_ key: String) throws -> T? { try settings.number(key) }
        func choice<E: RawRepresentable & CaseIterable & Equatable>(_ key: String) throws -> E? where E.RawValue == String {
            try settings.choice(key)
        }
        func path(_ key: String) -> String? { settings.string(key).map(Self.absolutePath) }

        try read(.learningRate, \.learningRate, number)
        try read(.lrScheduler, \.lrScheduler, choice)
        try read(.warmupSteps, \.warmupSteps, number)
        try read(.epochs, \.epochs, number)
        try read(.maxSteps, \.maxSteps, number)
        try read(.batchSize, \.batchSize, number)
        try read(.gradAccum, \.gradAccum, number)
        try read(.maxGradNorm, \.maxGradNorm, number)
        try read(.weightDecay, \.weightDecay, number)
        try read(.beta, \.beta, number)
        try read(.lossType, \.lossType, choice)
        try read(.orpoWeighting, \.orpoWeighting) { try settings.choice($0, excluding: [ORPOObjective.Weighting.none]) }
        try read(.validationSplit, \.validationSplit, number)
        try read(.stepsPerEval, \.stepsPerEval, number)
        try read(.loggingSteps, \.loggingSteps, number)
        try read(.saveEvery, \.saveEvery, number)
        try read(.seed, \.seed, number)
        try read(.trainOnPrompt, \.trainOnPrompt, settings.bool)
        try read(.promptStyle, \.promptStyle, choice)
        read(.model, \.model, path)
        read(.adapter, \.adapter, path)
        read(.referenceAdapter, \.referenceAdapter, path)
        try read(.loraRank, \.loraRank, number)
        try read(.loraAlpha, \.loraAlpha, number)
        try read(.loraDropout, \.loraDropout, number)
        read(.loraTargets, \.loraTargets, settings.list)
        try read(.maxLength, \.maxLength, number)
        try read(.maxPromptLength, \.maxPromptLength, number)
        try read(.paddingFree, \.paddingFree, settings.bool)
        func mixture(_ key: String) throws -> TaskMixture? {
            guard let text = settings.string(key) else { return nil }
            do { return try TaskMixture(parsing: text) } catch let problem as TaskMixture.ParseError { throw settings.error(key, problem.reason) }
        }
        try read(.taskMixture, \.taskMixture, mixture)
        try read(.mixtureTemperature, \.mixtureTemperature, number)
        try read(.mixtureCap, \.mixtureCap, number)
        read(.holdoutTasks, \.holdoutTasks, settings.list)
        return c
    }

    /// The absolute form of a path as the run records it.
    public static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
