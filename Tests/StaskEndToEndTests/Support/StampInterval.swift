/// One timed run recorded by `stamp.sh` (`start NAME NANOS` … `end NAME NANOS`).
struct StampInterval: Equatable {
    var name: String
    var start: Int64
    var end: Int64

    var seconds: Double { Double(end - start) / 1e9 }

    /// Pairs start and end lines by name, in start order; unmatched starts are left out.
    static func parse(_ lines: [String]) -> [StampInterval] {
        var starts: [(String, Int64)] = []
        var ends: [String: Int64] = [:]
        for line in lines {
            let words = line.split(separator: " ")
            guard words.count == 3, let time = Int64(words[2]) else { continue }
            if words[0] == "start" { starts.append((String(words[1]), time)) }
            if words[0] == "end" { ends[String(words[1])] = time }
        }
        return starts.compactMap { name, start in
            ends[name].map { StampInterval(name: name, start: start, end: $0) }
        }.sorted { $0.start < $1.start }
    }

    /// The largest number of intervals of `intervals` open at one instant.
    static func peakOverlap(_ intervals: [StampInterval]) -> Int {
        // Ends sort before starts at the same instant: touching intervals do not overlap.
        var events: [(time: Int64, delta: Int)] = []
        for interval in intervals {
            events.append((interval.start, 1))
            events.append((interval.end, -1))
        }
        events.sort { first, second in
            first.time != second.time ? first.time < second.time : first.delta < second.delta
        }
        var open = 0
        var peak = 0
        for (_, delta) in events {
            open += delta
            peak = max(peak, open)
        }
        return peak
    }
}
