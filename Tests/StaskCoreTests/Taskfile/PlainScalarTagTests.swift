import StaskCore
import Testing
import Yams

/// The hand-written plain-scalar rules agree with Yams's default resolver on every text tried.
@Suite struct PlainScalarTagTests {
    /// What Yams's default resolver makes of `text` as a plain scalar.
    static func yamsTag(_ text: String) -> String {
        Resolver.default.resolveTag(of: Node.scalar(Node.Scalar(text))).rawValue
    }

    static let samples: [String] = [
        "", "~", "null", "Null", "NULL", "nULL", "yes", "Yes", "YES", "yEs", "no", "NO", "on", "Off", "OFF", "true",
        "True", "TRUE", "false", "FALSE", "y", "n", "<<", "<", "<<<", "=", "==", "0", "00", "07", "08", "0o17", "0o8",
        "0b101", "0b2", "0b", "0x1F", "0xg", "0x", "-0x1f", "+12", "-0", "1_000", "1__", "_1", "190:20:30", "1:60",
        "1:59", "1:5:9", "1:", "0:30", "1.5", "1.", ".5", ".", "-.5", "+.5e+3", ".5e3", ".5e+3", "1e5", "1e+5", "1E-5",
        "1e", "1.5.5", "1:20.5", "1:20:30.", "-1:20.5", ".inf", "-.inf", "+.Inf", ".INF", "inf", ".nan", ".NaN",
        "-.nan", "2001-12-14", "2001-12-1", "2001-1-14", "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z", "2001-12-15 2:59:43.10", "2002-12-14T1:2:3",
        "2001-12-14T21:59:43Z ", "2001-12-14T21:59:43+05:3", "2001-12-14T21:59:43 Z", "20011-12-14", "src/a.c",
        "cc -O2", "-O2", "+x", "-", "+", "--", "1-2", "1 2", "3s", "1m30s", "200ms", "0.5", "1,000", "12:30",
        "5:00", "on-call", "nothing", "tr", "o", "yes!", "Ñ", "日本",
    ]

    @Test(arguments: samples) func agreesWithYams(_ text: String) {
        #expect(PlainScalarTag.tag(of: text) == Self.yamsTag(text), "for '\(text)'")
    }

    @Test func agreesWithYamsOnEveryShortTextOverTheCharactersThatMatter() {
        let alphabet = Array("01579_.:-+eExob aZT")
        var disagreements: [String] = []
        var texts = [""]
        for _ in 0..<4 {
            texts = texts.flatMap { prefix in alphabet.map { prefix + String($0) } }
            for text in texts where PlainScalarTag.tag(of: text) != Self.yamsTag(text) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20))")
    }
}
