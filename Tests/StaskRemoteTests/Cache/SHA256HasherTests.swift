import Testing

@testable import StaskCore
@testable import StaskRemote

@Suite struct SHA256HasherTests {
    /// FIPS 180-2 answers (and `sha256sum` for the pattern).
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ]

    @Test(arguments: vectors)
    func matchesTheStandardAnswers(input: String, expected: String) throws {
        let digest = SHA256Hasher.digest(of: Array(input.utf8))
        #expect(digest.description == expected)
    }

    @Test func hashesAMillionAsInPiecesAsInOneCall() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hasher = SHA256Hasher()
        for start in stride(from: 0, to: million.count, by: 65_537) {
            hasher.update(Array(million[start..<min(start + 65_537, million.count)]))
        }
        let pieces = hasher.finalize()
        #expect(pieces.description == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(SHA256Hasher.digest(of: million) == pieces)
    }

    @Test func emptyDigestConstantIsTheDigestOfNothing() {
        #expect(SHA256Hasher.digest(of: []) == SHA256Digest.empty)
    }

    @Test func hexRoundTripsAndRejectsBadText() throws {
        let text = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        let digest = try #require(SHA256Digest(hex: text))
        #expect(digest.description == text.lowercased())
        #expect(SHA256Digest(hex: String(text.dropLast())) == nil)
        #expect(SHA256Digest(hex: String(text.dropLast()) + "g") == nil)
        #expect(SHA256Digest(hex: text + "0") == nil)
    }
}
