/// Reads and writes amounts of memory, the unit of the `mem` resource: `16GB`, `512MiB`, `1.5G`, or a
/// number of bytes.
///
/// Units (letter case ignored): `B`; `KB`, `MB`, `GB`, `TB` are powers of 1000; `K`, `M`, `G`, `T` and
/// `KiB`, `MiB`, `GiB`, `TiB` are powers of 1024, as `free`, `ulimit` and container runtimes read them.
/// Spaces between the number and the unit are allowed; the number may have a decimal fraction.
package enum MemorySyntax {
    /// The resource measured in bytes.
    package static let resource = "mem"

    /// The bytes `text` names, or `nil` when it is not an amount of memory (or is negative or not finite).
    package static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces()
        let numberEnd =
            trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        guard numberEnd > trimmed.startIndex, let number = Double(trimmed[..<numberEnd]), number.isFinite,
            number >= 0
        else { return nil }
        let unit = trimmed[numberEnd...].trimmingSpaces().lowercased()
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "kb": scale = 1e3
        case "mb": scale = 1e6
        case "gb": scale = 1e9
        case "tb": scale = 1e12
        case "k", "kib": scale = 1024
        case "m", "mib": scale = 1_048_576
        case "g", "gib": scale = 1_073_741_824
        case "t", "tib": scale = 1_099_511_627_776
        default: return nil
        }
        let bytes = (number * scale).rounded()
        return bytes.isFinite ? bytes : nil
    }

    /// `bytes` in the largest binary unit that keeps a whole or one-decimal number: `512 MiB`, `1.5 GiB`.
    package static func format(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var index = 0
        while value >= 1024, index < units.count - 1 {
            value /= 1024
            index += 1
        }
        if index == 0 { return "\(Int(value)) B" }
        let tenths = (value * 10).rounded() / 10
        let text = tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
        return "\(text) \(units[index])"
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> Substring {
        let text = Substring(self)
        guard let first = text.firstIndex(where: { $0 != " " }), let last = text.lastIndex(where: { $0 != " " })
        else { return text[text.endIndex...] }
        return text[first...last]
    }
}
