import Reports

/// The pages annotators see (docs/human-evaluation.md §7): server-rendered HTML that works without
/// JavaScript and on a phone (the two sets sit side by side on wide screens and stack on narrow
/// ones). A few lines of script add keyboard shortcuts; without them the form works the same.
enum AnnotatorPages {
    static func document(title: String, body: String, script: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Markup.escape(title))</title>
        <style>
        body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:0 auto;padding:1em;max-width:1200px;color:#222;line-height:1.45}
        .progress{color:#555;font-size:.95em;margin:0}
        .prompt{background:#f3f6fb;border-left:4px solid #4a72b8;padding:.6em .9em;white-space:pre-wrap}
        .sets{display:flex;gap:1em;align-items:flex-start}
        .set{flex:1;min-width:0;border:1px solid #ccc;border-radius:6px;padding:0 .8em}
        .story{border-top:1px solid #eee;padding:.5em 0;white-space:pre-wrap}
        .story b{display:inline-block;min-width:2.6em}
        fieldset{border:1px solid #ccc;border-radius:6px;margin:1em 0}
        fieldset label{display:inline-block;margin:.25em 1em .25em 0;padding:.35em .5em;border:1px solid #ddd;border-radius:4px}
        kbd{font-size:.75em;color:#777;border:1px solid #ccc;border-radius:3px;padding:0 .25em;margin-left:.3em}
        textarea{width:100%;box-sizing:border-box;min-height:4em}
        button{font-size:1.05em;padding:.5em 1.4em;margin-top:.6em}
        .error{background:#fde8e8;border:1px solid #e0a0a0;padding:.5em .8em;border-radius:4px}
        table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
        @media (max-width:700px){.sets{flex-direction:column}.set{width:100%;box-sizing:border-box}}
        </style>
        </head>
        <body>
        \(body)
        \(script.isEmpty ? "" : "<script>\n\(script)\n</script>")
        </body>
        </html>

        """
    }

    /// One item: the prompt, both sets, the design's questions as required radio groups, the comment.
    static func item(_ item: StoredItem, design: StudyDesign, token: String, progress: AnnotatorProgress,
                     error: String? = nil, selected: [String: String] = [:], comment: String = "") -> String {
        var body = "<p class=\"progress\">Item \(progress.answered + 1) of \(progress.total)</p>\n"
        if let error { body += "<p class=\"error\" role=\"alert\">\(Markup.escape(error))</p>\n" }
        body += "<h1>Prompt</h1>\n<p class=\"prompt\">\(Markup.escape(item.prompt))</p>\n"
        body += "<form method=\"post\" action=\"/a/\(Markup.escape(token))/item/\(item.id)\">\n<div class=\"sets\">\n"
        for side in StudyDesign.Side.allCases {
            body += "<section class=\"set\"><h2>Set \(side.rawValue)</h2>\n"
            for (k, story) in (item.stories[side] ?? []).enumerated() {
                body += "<div class=\"story\" id=\"\(side.rawValue)-\(k + 1)\"><b>\(side.rawValue)-\(k + 1)</b> \(Markup.escape(story.shown))</div>\n"
            }
            body += "</section>\n"
        }
        body += "</div>\n"
        for question in design.questions {
            body += "<fieldset><legend>\(Markup.escape(question.text))\(question.required ? "" : " (optional)")</legend>\n"
            for option in question.options {
                let checked = selected[question.id] == option.id ? " checked" : ""
                let key = option.key.map { " data-key=\"\(Markup.escape($0))\"" } ?? ""
                body += "<label><input type=\"radio\" name=\"\(Markup.escape(question.id))\" value=\"\(Markup.escape(option.id))\"\(question.required ? " required" : "")\(checked)\(key)> "
                    + Markup.escape(option.label) + (option.key.map { "<kbd>\(Markup.escape($0))</kbd>" } ?? "") + "</label>\n"
            }
            body += "</fieldset>\n"
        }
        body += """
            <label>Comment (optional)<br><textarea name="comment" maxlength="\(design.maxCommentCharacters)">\(Markup.escape(comment))</textarea></label>
            <br><button type="submit">Submit</button> <span class="progress">Keys: the letters and digits shown pick an answer; Ctrl+Enter submits.</span>
            </form>
            """
        let script = """
            document.addEventListener('keydown', function (e) {
              if (e.target.tagName === 'TEXTAREA') { if (e.ctrlKey && e.key === 'Enter') e.target.form.requestSubmit(); return; }
              if (e.ctrlKey && e.key === 'Enter') { document.forms[0].requestSubmit(); return; }
              if (e.ctrlKey || e.metaKey || e.altKey) return;
              var input = document.querySelector('input[data-key="' + e.key.toLowerCase() + '"]');
              if (input) { input.checked = true; input.focus(); e.preventDefault(); }
            });
            """
        return document(title: "Item \(progress.answered + 1) of \(progress.total)", body: body, script: script)
    }

    /// The last page: thanks, and the completion code or link when the study has them.
    static func done(design: StudyDesign, progress: AnnotatorProgress) -> String {
        var body = "<h1>Thank you!</h1>\n<p>You answered \(progress.answered) item\(progress.answered == 1 ? "" : "s"); there is nothing more for you to do.</p>\n"
        if let code = design.completionCode { body += "<p>Your completion code: <strong id=\"completion-code\">\(Markup.escape(code))</strong></p>\n" }
        if let link = design.completionLink, link.hasPrefix("https://") || link.hasPrefix("http://") {
            body += "<p><a id=\"completion-link\" href=\"\(Markup.escape(link))\">Return to the study platform</a></p>\n"
        }
        return document(title: "Done", body: body)
    }

    /// A short page for refusals (403, 404, 413).
    static func message(_ title: String, _ text: String) -> String {
        document(title: title, body: "<h1>\(Markup.escape(title))</h1>\n<p>\(Markup.escape(text))</p>\n")
    }
}
