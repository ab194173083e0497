import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskPosix

/// The deterministic test pattern: byte i is (31 i + 7) mod 251 (computed once, 1 MiB).
private let fullPattern: [UInt8] = (0..<(1 << 20)).map { UInt8(($0 &* 31 &+ 7) % 251) }

private func pattern(_ count: Int) -> [UInt8] {
    Array(fullPattern.prefix(count))
}

@Suite struct ContentHasherTests {
    /// Answers from `xxhsum -H2` (xxHash 0.8.1).
    static let stringVectors: [(String, String)] = [
        ("", "99aa06d3014798d86001c324468d497f"),
        ("a", "a96faf705af16834e6c632b61e964e1f"),
        ("abc", "06b05ab6733a618578af5f94892f3950"),
        ("The quick brown fox jumps over the lazy dog", "ddd650205ca3e7fa24a1cc2e3a8a7651"),
    ]

    /// `head -c N pattern.bin | xxhsum -H2`, covering XXH3's length classes (0-16, 17-128, 129-240, long).
    static let patternVectors: [(Int, String)] = [
        (3, "46f66cb93538156515f7093b173d005c"),
        (16, "da917c385cc874c00d463cb04ceffbaf"),
        (17, "d443578f2c4e2fb495c34448580e19c8"),
        (128, "22c34350373a38ae5b77925b2c683a12"),
        (129, "c4a7d8f7893f2090d6d9e73553568be1"),
        (240, "e29d70b8920fd24bc6ed4333f79384f8"),
        (241, "f91b3cb8ed0fa91a07525dbc14902c7f"),
        (1024, "f53a1b1e9f1efedfe2898655db7bc9ee"),
        (100_000, "bc2117116c93a45dddc565585fab0e61"),
        (1 << 20, "0134f3832dac680a95085e99fb411cbe"),
    ]

    @Test(arguments: stringVectors)
    func hashesStringsLikeXxhsum(input: String, expected: String) {
        #expect(ContentHasher.digest(ofUTF8: input).description == expected)
        #expect(ContentHasher.digest(of: Array(input.utf8)).description == expected)
    }

    @Test(arguments: patternVectors)
    func hashesPatternsLikeXxhsum(count: Int, expected: String) {
        #expect(ContentHasher.digest(of: pattern(count)) == ContentDigest(hex: expected))
    }

    @Test(arguments: patternVectors)
    func fileDigestEqualsBytesDigestWhateverTheBufferSize(count: Int, expected: String) throws {
        let dir = try ScratchDirectory()
        let path = dir.appending("f")
        try LocalFileSystem().writeFile(atPath: path, contents: pattern(count))
        for bufferSize in [1, 7, 4096, 1 << 20] where bufferSize > 7 || count <= 1024 {
            let hasher = ContentHasher(bufferSize: bufferSize)
            #expect(try hasher.digest(ofFileAtPath: path, in: LocalFileSystem()).description == expected)
        }
        let memory = InMemoryFileSystem()
        try memory.writeFile(atPath: "/f", contents: pattern(count))
        #expect(try ContentHasher.shared.digest(ofFileAtPath: "/f", in: memory).description == expected)
    }

    @Test func emptyFileHasTheEmptyDigest() throws {
        let dir = try ScratchDirectory()
        try LocalFileSystem().writeFile(atPath: dir.appending("e"), contents: [])
        #expect(
            try ContentHasher.shared.digest(ofFileAtPath: dir.appending("e"), in: LocalFileSystem())
                == ContentHasher.digest(of: []))
    }

    @Test func missingFileAndDirectoryAreErrors() throws {
        let dir = try ScratchDirectory()
        #expect(throws: FileSystemError.notFound(path: dir.appending("x"))) {
            try ContentHasher.shared.digest(ofFileAtPath: dir.appending("x"), in: LocalFileSystem())
        }
        #expect(throws: FileSystemError.systemCall(path: dir.path, operation: "read", errno: 21)) {
            try ContentHasher.shared.digest(ofFileAtPath: dir.path, in: LocalFileSystem())
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentFileHashingGivesEachFileItsOwnDigest() async throws {
        let dir = try ScratchDirectory()
        let fs = LocalFileSystem()
        let hasher = ContentHasher(bufferSize: 4096)
        var expected: [String: ContentDigest] = [:]
        for index in 0..<32 {
            let bytes = pattern(10_000 + index * 997).map { $0 ^ UInt8(index) }
            try fs.writeFile(atPath: dir.appending("f\(index)"), contents: bytes)
            expected[dir.appending("f\(index)")] = ContentHasher.digest(of: bytes)
        }
        let paths = Array(expected.keys)
        let results = try await withThrowingTaskGroup(of: (String, ContentDigest).self) { group in
            for path in paths {
                group.addTask { (path, try hasher.digest(ofFileAtPath: path, in: fs)) }
            }
            var results: [String: ContentDigest] = [:]
            for try await (path, digest) in group { results[path] = digest }
            return results
        }
        #expect(results == expected)
    }

    @Test func checksumIsXXH3SixtyFour() {
        // `xxhsum -H3` of the empty input and of "abc".
        #expect([UInt8]().withUnsafeBytes { ContentHasher.checksum(of: $0) } == 0x2d06_8005_38d3_94c2)
        #expect(Array("abc".utf8).withUnsafeBytes { ContentHasher.checksum(of: $0) } == 0x78af_5f94_892f_3950)
    }
}
