import Base
import Foundation

/// Answers from Potato's `annotated_instances.jsonl` (docs/human-evaluation.md §5), for a study
/// whose items were annotated in Potato: each line is one annotator's answer to one instance,
/// `{"id" | "instance_id", "user_id"?, "label_annotations": {SCHEME: {LABEL: value}},
/// "behavioral_data": {"time_spent": seconds}?}`. Instance ids are the study's item ids, scheme
/// names its question ids, labels its option ids; a scheme named `comment` gives the comment.
/// Potato keeps one file per annotator folder, so the annotator is `user_id` or else `annotator`.
public enum StudyPotato {
    public static func read(_ url: URL, for study: StudyStore, annotator fallback: String?) throws -> [StoredAnswer] {
        let items = Set(try study.items().map(\.id))
        var answers: [StoredAnswer] = []
        for row in try JSONLines.rows(of: url) {
            let idValue = row.value("id") ?? row.value("instance_id")
            let idText: String?
            switch idValue {
            case let .string(s)?: idText = s
            case let .number(n)?: idText = n == n.rounded() ? String(Int(n)) : nil
            default: idText = nil
            }
            guard let idText, let item = Int(idText), items.contains(item) else {
                throw row.error("instance id is not an item of this study (1…\(items.count))", field: "id")
            }
            var annotator = fallback
            if case let .string(user)? = row.value("user_id"), !user.isEmpty { annotator = user }
            guard let annotator else { throw row.error("no user_id; give the annotator's name (Potato's folder name)", field: "user_id") }
            guard case let .object(labels)? = row.value("label_annotations") else {
                throw row.error("expected an object of schemes", field: "label_annotations")
            }
            var choices: [String: String] = [:]
            var comment = ""
            for (scheme, value) in labels {
                guard case let .object(chosen) = value else { throw row.error("expected an object of labels", field: "label_annotations.\(scheme)") }
                if scheme == "comment" {
                    comment = chosen.values.compactMap { if case let .string(s) = $0 { return s } else { return nil } }.first ?? ""
                    continue
                }
                // A radio scheme marks its chosen label "1", true, or with the label itself.
                let picked = chosen.filter { label, mark in
                    switch mark {
                    case let .string(s): return s == "1" || s == "true" || s == label
                    case let .bool(b): return b
                    case let .number(n): return n == 1
                    default: return false
                    }
                }.map(\.key)
                guard picked.count == 1 else {
                    throw row.error("\(picked.count) labels chosen, a question takes one", field: "label_annotations.\(scheme)")
                }
                choices[scheme] = picked[0]
            }
            var seconds: Double?
            if case let .object(behaviour)? = row.value("behavioral_data"), case let .number(n)? = behaviour["time_spent"], n.isFinite, n >= 0 {
                seconds = n
            }
            do { try study.validate(choices: choices, comment: comment) } catch let StudyError.invalidAnswer(reason) {
                throw row.error(reason, field: "label_annotations")
            }
            answers.append(StoredAnswer(annotator: annotator, item: item, choices: choices, comment: comment, seconds: seconds,
                                        submittedAt: Date().timeIntervalSince1970))
        }
        return answers
    }
}
