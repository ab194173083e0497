import StaskCore
import Testing

@Suite struct ContentDigestTests {
    @Test func descriptionIsThirtyTwoLowercaseHexDigitsHighHalfFirst() {
        let digest = ContentDigest(high: 0x1, low: 0xABCD_EF00_0000_0002)
        #expect(digest.description == "0000000000000001abcdef0000000002")
    }

    @Test func parsesWhatItPrintsInEitherCase() throws {
        let digest = ContentDigest(high: 0x99aa_06d3_0147_98d8, low: 0x6001_c324_468d_497f)
        #expect(ContentDigest(hex: digest.description) == digest)
        #expect(ContentDigest(hex: "99AA06D3014798D86001C324468D497F") == digest)
    }

    @Test(arguments: [
        "", "abc", "99aa06d3014798d86001c324468d497", "99aa06d3014798d86001c324468d497f0",
        "g9aa06d3014798d86001c324468d497f", "99aa06d3014798d8 001c324468d497f",
    ])
    func rejectsMalformedHex(text: String) {
        #expect(ContentDigest(hex: text) == nil)
    }

    @Test func ordersByHighThenLow() {
        #expect(ContentDigest(high: 1, low: 9) < ContentDigest(high: 2, low: 0))
        #expect(ContentDigest(high: 2, low: 0) < ContentDigest(high: 2, low: 1))
        #expect(!(ContentDigest(high: 2, low: 1) < ContentDigest(high: 2, low: 1)))
    }
}
