/// Reads and writes the duration syntax of Taskfiles: `200ms`, `5s`, `2m`, `1h`, `1m30s`, `1.5s`.
///
/// A duration is one or more `<number><unit>` parts with units `ms`, `s`, `m`, `h`; numbers may have a
/// decimal fraction. A bare number (`30`) is refused: the unit is required.
package enum DurationSyntax {
    /// The duration written as `text`, or `nil` when the text is not a duration.
    package static func parse(_ text: String) -> Duration? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var totalNanoseconds: Double = 0
        var sawPart = false
        while index < scalars.count {
            let numberStart = index
            var sawDigit = false
            var sawDot = false
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar >= "0" && scalar <= "9" {
                    sawDigit = true
                } else if scalar == "." && !sawDot {
                    sawDot = true
                } else {
                    break
                }
                index += 1
            }
            guard sawDigit, let number = Double(String(String.UnicodeScalarView(scalars[numberStart..<index])))
            else { return nil }
            let unitStart = index
            while index < scalars.count, scalars[index].properties.isAlphabetic { index += 1 }
            let unit = String(String.UnicodeScalarView(scalars[unitStart..<index]))
            let scale: Double
            switch unit {
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            totalNanoseconds += number * scale
            sawPart = true
        }
        guard sawPart, totalNanoseconds.isFinite, totalNanoseconds < 1e18 else { return nil }
        return .nanoseconds(Int64(totalNanoseconds.rounded()))
    }
}
