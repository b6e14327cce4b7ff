/// Python `str` semantics on Unicode scalars (code points), which is what jinja2 templates see:
/// `len`, indexing, `strip`, `split`, `replace`, `title`, `repr`, ordering — all by code point, with
/// no canonical-equivalence folding (Swift's `String` compares by grapheme and normalisation).
enum PythonString {
    typealias Scalars = [Unicode.Scalar]

    /// `str.isspace()`: bidirectional class WS/B/S or category Zs (`Objects/unicodetype_db.h`).
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static func equal(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

    /// Code-point order, as Python compares strings.
    static func less(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }

    static func hasPrefix(_ s: String, _ prefix: String) -> Bool { s.unicodeScalars.starts(with: prefix.unicodeScalars) }
    static func hasSuffix(_ s: String, _ suffix: String) -> Bool {
        s.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
    }

    /// First index of `needle` in `haystack` at or after `from`. Knuth–Morris–Pratt, so the time
    /// is linear in both lengths whatever they hold (a naive scan of "aaa…ab" in "aaa…a" is quadratic).
    static func find(_ needle: Scalars, in haystack: Scalars, from: Int = 0) -> Int? {
        if needle.isEmpty { return from <= haystack.count ? from : nil }
        guard from >= 0, haystack.count - from >= needle.count else { return nil }
        // fallback[i]: length of the longest proper prefix of needle[...i] that is also its suffix.
        var fallback = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in 1..<max(needle.count, 1) {
            while k > 0 && needle[i] != needle[k] { k = fallback[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            fallback[i] = k
        }
        var matched = 0
        for i in from..<haystack.count {
            while matched > 0 && haystack[i] != needle[matched] { matched = fallback[matched - 1] }
            if haystack[i] == needle[matched] { matched += 1 }
            if matched == needle.count { return i - needle.count + 1 }
        }
        return nil
    }

    static func contains(_ haystack: String, _ needle: String) -> Bool {
        find(Array(needle.unicodeScalars), in: Array(haystack.unicodeScalars)) != nil
    }

    /// `str.strip([chars])` / `lstrip` / `rstrip`.
    static func strip(_ s: String, _ chars: String? = nil, leading: Bool = true, trailing: Bool = true) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let removable: (Unicode.Scalar) -> Bool = { c in set.map { $0.contains(c) } ?? isSpace(c) }
        let a = Array(s.unicodeScalars)
        var lo = 0, hi = a.count
        if leading { while lo < hi, removable(a[lo]) { lo += 1 } }
        if trailing { while hi > lo, removable(a[hi - 1]) { hi -= 1 } }
        return string(a[lo..<hi])
    }

    /// `str.split(sep=None, maxsplit=-1)`.
    static func split(_ s: String, _ separator: String?, maxSplit: Int = -1) throws -> [String] {
        let a = Array(s.unicodeScalars)
        var parts: [String] = []
        guard let separator else {
            // Runs of whitespace separate; leading/trailing whitespace yields no empty parts.
            var i = 0
            while i < a.count {
                while i < a.count, isSpace(a[i]) { i += 1 }
                if i == a.count { break }
                if maxSplit >= 0 && parts.count == maxSplit {
                    var end = a.count
                    while end > i, isSpace(a[end - 1]) { end -= 1 }
                    parts.append(string(a[i..<end]))
                    break
                }
                let start = i
                while i < a.count, !isSpace(a[i]) { i += 1 }
                parts.append(string(a[start..<i]))
            }
            return parts
        }
        let sep = Array(separator.unicodeScalars)
        guard !sep.isEmpty else { throw ChatTemplateError.runtime("split(): empty separator") }
        var start = 0
        while maxSplit < 0 || parts.count < maxSplit, let hit = find(sep, in: a, from: start) {
            parts.append(string(a[start..<hit]))
            start = hit + sep.count
        }
        parts.append(string(a[start...]))
        return parts
    }

    /// `str.replace(old, new[, count])`; an empty `old` inserts `new` between every code point.
    static func replace(_ s: String, _ old: String, _ new: String, count: Int = -1) -> String {
        let a = Array(s.unicodeScalars), o = Array(old.unicodeScalars), n = Array(new.unicodeScalars)
        var out: Scalars = []
        var replaced = 0
        if o.isEmpty {
            for (i, c) in a.enumerated() {
                if count < 0 || replaced < count { out += n; replaced += 1 }
                out.append(c)
                _ = i
            }
            if count < 0 || replaced < count { out += n }
            return string(out)
        }
        var i = 0
        while count < 0 || replaced < count, let hit = find(o, in: a, from: i) {
            out += a[i..<hit]
            out += n
            i = hit + o.count
            replaced += 1
        }
        out += a[i...]
        return string(out)
    }

    /// The UTF-8 length `replace(s, old, new, count:)` would have, found without building it.
    static func replacedLength(_ s: String, _ old: String, _ new: String, count: Int = -1) -> Int {
        let a = Array(s.unicodeScalars), o = Array(old.unicodeScalars)
        var hits = 0
        if o.isEmpty {
            hits = a.count + 1
        } else {
            var i = 0
            while count < 0 || hits < count, let hit = find(o, in: a, from: i) { hits += 1; i = hit + o.count }
        }
        if count >= 0 { hits = min(hits, count) }
        let growth = (new.utf8.count - old.utf8.count).multipliedReportingOverflow(by: hits)
        return growth.overflow ? .max : s.utf8.count + growth.partialValue
    }

    static func isCased(_ c: Unicode.Scalar) -> Bool { c.properties.isUppercase || c.properties.isLowercase || c.properties.generalCategory == .titlecaseLetter }

    /// `str.title()`: a cased character after an uncased one starts a word.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s.unicodeScalars {
            out += previousCased ? c.properties.lowercaseMapping : c.properties.titlecaseMapping
            previousCased = isCased(c)
        }
        return out
    }

    /// Jinja's `title` filter (`do_title`): words start after `-`, whitespace, `(`, `{`, `[`, `<`.
    static func jinjaTitle(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for c in s.unicodeScalars {
            let isBoundary = c == "-" || c == "(" || c == "{" || c == "[" || c == "<" || isSpace(c)
            if isBoundary { out.unicodeScalars.append(c); atWordStart = true; continue }
            out += atWordStart ? c.properties.uppercaseMapping : c.properties.lowercaseMapping
            atWordStart = false
        }
        return out
    }

    /// `str.capitalize()`: first character title-cased, the rest lower-cased.
    static func capitalize(_ s: String) -> String {
        var out = ""
        for (i, c) in s.unicodeScalars.enumerated() {
            out += i == 0 ? c.properties.titlecaseMapping : c.properties.lowercaseMapping
        }
        return out
    }

    /// `repr(str)`: single quotes unless the text has `'` and no `"`; non-printables escaped.
    static func repr(_ s: String) -> String {
        let quote: Unicode.Scalar = s.unicodeScalars.contains("'") && !s.unicodeScalars.contains("\"") ? "\"" : "'"
        var out = String.UnicodeScalarView([quote])
        func hex(_ v: UInt32, _ width: Int) -> String {
            let digits = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\": out.append("\\"); out.append(c)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            default:
                if isPrintable(c) { out.append(c); continue }
                let escaped = c.value < 0x100 ? "\\x" + hex(c.value, 2) : c.value < 0x10000 ? "\\u" + hex(c.value, 4) : "\\U" + hex(c.value, 8)
                out.append(contentsOf: escaped.unicodeScalars)
            }
        }
        out.append(quote)
        return String(out)
    }

    /// Python's `str.isprintable()` for one code point.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c == " " { return true }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator: return false
        default: return true
        }
    }

    /// `repr(float)` (== `str(float)`): shortest round-trip digits, positional for exponents in
    /// [-4, 16), otherwise `d.ddde±XX` (`Python/pystrtod.c`, `format_float_short`, mode 'r').
    static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let sign = d.sign == .minus ? "-" : ""
        // Swift's description is also shortest round-trip; re-layout its digits the Python way.
        let text = "\(abs(d))"
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1)
        let whole = String(mantissa[0]), fraction = mantissa.count == 2 ? String(mantissa[1]) : ""
        var digits = Array(whole + fraction)
        var point = whole.count + exponent
        while digits.first == "0" { digits.removeFirst(); point -= 1 }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return sign + "0.0" }
        let body: String
        if point > 16 || point < -3 {
            let e = point - 1
            let exponentText = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
            body = String(digits[0]) + (digits.count > 1 ? "." + String(digits[1...]) : "") + "e" + exponentText
        } else if point <= 0 {
            body = "0." + String(repeating: "0", count: -point) + String(digits)
        } else if point >= digits.count {
            body = String(digits) + String(repeating: "0", count: point - digits.count) + ".0"
        } else {
            body = String(digits[..<point]) + "." + String(digits[point...])
        }
        return sign + body
    }
}
