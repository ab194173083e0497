/// The test cases of JUnit reports that name no item of their shard, counted: their time is given to no
/// item (it is reported, never spread), so a wrong mapping shows instead of skewing the split.
package struct UnattributedTestCases: Sendable, Hashable, Codable {
    /// How many cases.
    package var count: Int
    /// The sum of their times, in seconds.
    package var seconds: Double
    /// The first few, as the report names them (`classname` or `file`, then `name`).
    package var examples: [String]

    /// How many cases ``examples`` keeps.
    package static let exampleLimit = 3

    /// Creates a count.
    package init(count: Int = 0, seconds: Double = 0, examples: [String] = []) {
        self.count = count
        self.seconds = seconds
        self.examples = examples
    }

    private enum CodingKeys: String, CodingKey { case count, seconds, examples }

    /// Decodes a count, refusing what no report can produce (a negative count, a time that is negative, not
    /// finite or above ``JUnitReport/maximumSeconds``), so that a damaged `.stask/shard-timing.json` is
    /// ignored rather than believed.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        seconds = try container.decode(Double.self, forKey: .seconds)
        examples = try container.decode([String].self, forKey: .examples)
        guard count >= 0, seconds.isFinite, seconds >= 0, seconds <= JUnitReport.maximumSeconds else {
            throw DecodingError.dataCorruptedError(
                forKey: .count, in: container, debugDescription: "a negative count or an impossible time")
        }
    }

    /// Whether no case is counted.
    package var isEmpty: Bool { count == 0 }

    /// Counts one more case; the time is at most ``JUnitReport/maximumSeconds``, the count at most `Int.max`.
    package mutating func add(_ example: String, seconds: Double) {
        count = count == .max ? count : count + 1
        self.seconds = JUnitReport.capped(self.seconds + seconds)
        if examples.count < Self.exampleLimit { examples.append(example) }
    }

    /// Both counts together (examples of `self` first), saturating as ``add(_:seconds:)`` does.
    package func adding(_ other: Self) -> Self {
        let (sum, overflow) = count.addingReportingOverflow(other.count)
        return Self(
            count: overflow ? .max : sum, seconds: JUnitReport.capped(seconds + other.seconds),
            examples: Array((examples + other.examples).prefix(Self.exampleLimit)))
    }
}
