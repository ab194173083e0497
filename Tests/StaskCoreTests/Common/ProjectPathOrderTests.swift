import StaskCore
import Testing

/// `ProjectPath.precedes`: the byte-wise (UTF-8) order of every sorted path list.
@Suite
struct ProjectPathOrderTests {
    static func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
        Array(lhs.utf8).lexicographicallyPrecedes(Array(rhs.utf8))
    }

    @Test("agrees with byte order on prefixes, long shared prefixes, multi-byte characters and empty strings")
    func agreesWithByteOrder() {
        let samples = [
            "", "a", "b", "ab", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefgh/", "src/f000123.txt",
            "src/f000124.txt", "src/f0001230.txt", "src/ünï.c", "src/unï.c", "src/\u{7F}", "src/\u{80}x", "Z", "z",
            "out/very/long/path/that/shares/a/prefix/with/others/a.o",
            "out/very/long/path/that/shares/a/prefix/with/others/b.o",
            "out/very/long/path/that/shares/a/prefix/with/others", "日本/語", "日本/誤",
        ]
        for lhs in samples {
            for rhs in samples {
                #expect(ProjectPath.precedes(lhs, rhs) == Self.byteOrder(lhs, rhs), "\(lhs) vs \(rhs)")
            }
        }
    }

    @Test("sorting many generated paths gives the byte order")
    func sortsLikeBytes() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet = Array("ab/é.日0")
        let paths = (0..<2_000).map { _ in
            String((0..<Int(next() % 24)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
        }
        #expect(
            paths.sorted(by: ProjectPath.precedes).map { Array($0.utf8) }
                == paths.map { Array($0.utf8) }.sorted {
                    $0.lexicographicallyPrecedes($1)
                })
    }
}
