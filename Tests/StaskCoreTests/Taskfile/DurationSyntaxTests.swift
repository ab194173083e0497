import Testing

@testable import StaskCore

@Suite struct DurationSyntaxTests {
    @Test(arguments: [
        ("200ms", Duration.milliseconds(200)), ("5s", .seconds(5)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)), ("1.5s", .milliseconds(1500)), ("0s", .zero), ("1h2m3s4ms", .milliseconds(3_723_004)),
    ])
    func parsesDurations(_ text: String, _ expected: Duration) {
        #expect(DurationSyntax.parse(text) == expected)
    }

    @Test(arguments: ["", "30", "5 s", "s", "1x", "-1s", "1.2.3s", "1m30", "ms"])
    func refusesNonDurations(_ text: String) {
        #expect(DurationSyntax.parse(text) == nil)
    }
}
