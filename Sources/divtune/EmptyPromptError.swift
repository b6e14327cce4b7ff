/// A prompt with no tokens: its chat template wrote nothing for the messages (e.g. a system
/// message alone, which some templates fold into the first user turn). Rendering it gives no ids,
/// as transformers' `apply_chat_template` does; there is nothing for a model to continue.
struct EmptyPromptError: Error, CustomStringConvertible {
    let index: Int
    let chat: Bool

    var description: String {
        let why = chat ? "the chat template renders its messages to no text (a system message alone?)" : "the text has no tokens"
        return "prompt \(index + 1) has no tokens to generate from: \(why)"
    }
}
