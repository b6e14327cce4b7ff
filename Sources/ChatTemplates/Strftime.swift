import Foundation

/// C `strftime` in the "C" locale, as Python's `datetime.strftime` formats on Linux: the
/// directives chat templates use (`%d %b %Y` for Llama 3.x's "Today Date"), glibc's `%-d`-style
/// no-padding flag, and `%%`. Unknown directives are kept as written.
enum Strftime {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ format: String, date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday, .nanosecond], from: date)
        let year = c.year ?? 1970, month = c.month ?? 1, day = c.day ?? 1
        let hour = c.hour ?? 0, minute = c.minute ?? 0, second = c.second ?? 0
        let weekday = (c.weekday ?? 1) - 1   // 0 = Sunday
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1

        var out = ""
        var chars = format.unicodeScalars.makeIterator()
        while let ch = chars.next() {
            guard ch == "%" else { out.unicodeScalars.append(ch); continue }
            guard var directive = chars.next() else { out += "%"; break }
            var pad = true
            if directive == "-" {
                pad = false
                guard let next = chars.next() else { out += "%-"; break }
                directive = next
            }
            func number(_ value: Int, _ width: Int, _ fill: Character = "0") -> String {
                let digits = String(value)
                return pad ? String(repeating: fill, count: max(0, width - digits.count)) + digits : digits
            }
            switch directive {
            case "Y": out += String(year)
            case "y": out += number(year % 100, 2)
            case "m": out += number(month, 2)
            case "d": out += number(day, 2)
            case "e": out += number(day, 2, " ")
            case "H": out += number(hour, 2)
            case "I": out += number(hour % 12 == 0 ? 12 : hour % 12, 2)
            case "M": out += number(minute, 2)
            case "S": out += number(second, 2)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "j": out += number(dayOfYear, 3)
            case "B": out += months[month - 1]
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "A": out += weekdays[weekday]
            case "a": out += String(weekdays[weekday].prefix(3))
            case "w": out += String(weekday)
            case "u": out += String(weekday == 0 ? 7 : weekday)
            case "F": out += "\(year)-\(number(month, 2))-\(number(day, 2))"
            case "%": out += "%"
            default: out += "%" + (pad ? "" : "-") + String(directive)
            }
        }
        return out
    }
}
