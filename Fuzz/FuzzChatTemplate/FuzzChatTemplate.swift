import ChatTemplates
import Foundation
import FuzzSupport

/// A Jinja chat template parsed and rendered with a fixed conversation, as transformers renders
/// one, within ``TemplateLimits`` tightened so that every limit, not the clock, is what stops a
/// runaway template inside libFuzzer's 1-second budget (docs/fuzzing.md).
@main enum FuzzChatTemplate {
    static let messages: [ChatMessage] = [
        .system("You are a storyteller."), .user("Write a haiku about the sea."),
        .assistant("Waves fold into foam,\nsalt wind carries gull voices,\nthe tide keeps its time."), .user("Another, in French? ✨"),
    ]

    static func main() {
        var limits = TemplateLimits()
        limits.maxLoopIterations = 100_000
        limits.maxOutputBytes = 1 << 20
        limits.maxValueSize = 1 << 20
        limits.timeLimit = .milliseconds(500)
        FuzzTarget.run { data in
            var template = try ChatTemplate(String(decoding: data, as: UTF8.self), limits: limits)
            template.now = { Date(timeIntervalSince1970: 1_700_000_000) }
            template.timeZone = TimeZone(identifier: "UTC")!
            _ = try template.render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
        }
    }
}
