import Foundation

/// Escaping and number formatting shared by the SVG and HTML writers.
public enum Markup {
    /// Text safe inside XML/HTML element content *and* double- or single-quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // XML 1.0 forbids most C0 controls even as references; drop them so parsers accept the file.
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with two decimals and no trailing zeros (`12.5`, `40`), locale-independent.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        var s = String(format: "%.2f", value)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// `value` with `decimals` digits after the point.
    static func number(_ value: Double, decimals: Int) -> String {
        String(format: "%.\(max(0, decimals))f", value)
    }

    /// A standalone SVG document of `width`×`height` units on white holding `content`.
    static func svgDocument(width: Double, height: Double, content: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(coordinate(width))\" height=\"\(coordinate(height))\" "
            + "viewBox=\"0 0 \(coordinate(width)) \(coordinate(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + content + "</svg>\n"
    }
}
