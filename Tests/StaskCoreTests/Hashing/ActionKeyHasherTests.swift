import StaskCore
import Testing

@Suite struct ActionKeyHasherTests {
    private func key(_ build: (inout ActionKeyHasher) -> Void) -> ContentDigest {
        var hasher = ActionKeyHasher()
        build(&hasher)
        return hasher.finalize()
    }

    /// The documented layout: per field a tag byte, the length as 8 little-endian bytes, the bytes.
    private func field(_ tag: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        [tag] + withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) } + bytes
    }

    /// Past the buffer limit the hasher streams; the key must still be XXH3-128 of the whole byte stream,
    /// whatever the field sizes around the limit.
    @Test(arguments: [1, 7, 1000, 70_000])
    func keyLongerThanTheBufferIsTheDigestOfTheWholeStream(fieldSize: Int) {
        var hasher = ActionKeyHasher()
        var stream = field(1, Array("stask.action-key.v1".utf8))
        var index = 0
        while stream.count < 3 * ActionKeyHasher.bufferLimit + 5 {
            let bytes = (0..<fieldSize).map { UInt8(truncatingIfNeeded: $0 &+ index) }
            hasher.add(bytes: bytes)
            stream += field(2, bytes)
            index += 1
        }
        #expect(hasher.finalize() == ContentHasher.digest(of: stream))
    }

    @Test func copiesOfAStreamingHasherGoOnIndependently() {
        var original = ActionKeyHasher()
        let chunk = [UInt8](repeating: 7, count: ActionKeyHasher.bufferLimit)
        original.add(bytes: chunk)  // streaming from here on
        var copy = original
        let before = original.finalize()
        #expect(original.finalize() == before)  // finalize leaves the hasher as it was
        copy.add(bytes: chunk)
        #expect(original.finalize() == before)
        original.add(bytes: chunk)
        #expect(original.finalize() == copy.finalize())
        #expect(copy.finalize() != before)
    }

    @Test func fieldBoundariesAreNotAmbiguous() {
        let split1 = key {
            $0.add("ab"); $0.add("c")
        }
        let split2 = key {
            $0.add("a"); $0.add("bc")
        }
        let joined = key { $0.add("abc") }
        #expect(split1 != split2)
        #expect(split1 != joined)
        #expect(key { $0.add("") } != key { _ in })
        #expect(
            key {
                $0.add(""); $0.add("x")
            }
                != key {
                    $0.add("x"); $0.add("")
                })
    }

    @Test func fieldTypesAreNotAmbiguous() {
        let digest = ContentDigest(high: 0x3130, low: 0)
        let variants: [ContentDigest] = [
            key { $0.add("1") }, key { $0.add(bytes: Array("1".utf8)) }, key { $0.add(1) },
            key { $0.add(UInt64(1)) }, key { $0.add(true) }, key { $0.add(digest) },
            key {
                $0.add(
                    bytes: withUnsafeBytes(of: digest.high.littleEndian) { Array($0) } + Array(repeating: 0, count: 8))
            },
        ]
        #expect(Set(variants).count == variants.count)
    }

    @Test func sameFieldsGiveTheSameKeyAndOrderMatters() {
        let digest = ContentHasher.digest(ofUTF8: "input")
        let first = key {
            $0.add("cc -c a.c"); $0.add(digest); $0.add(-5)
        }
        let second = key {
            $0.add("cc -c a.c"); $0.add(digest); $0.add(-5)
        }
        #expect(first == second)
        #expect(
            first
                != key {
                    $0.add(digest); $0.add("cc -c a.c"); $0.add(-5)
                })
    }

    @Test func domainSeparatesSchemes() {
        var v1 = ActionKeyHasher()
        var v2 = ActionKeyHasher(domain: "stask.action-key.v2")
        v1.add("x")
        v2.add("x")
        #expect(v1.finalize() != v2.finalize())
    }

    @Test func keyIsXXH3OfTheDocumentedLayout() {
        var hasher = ActionKeyHasher(domain: "d")
        hasher.add("ab")
        hasher.add(bytes: [0xff])
        hasher.add(Int64(-2))
        hasher.add(UInt64(7))
        hasher.add(false)
        hasher.add(ContentDigest(high: 1, low: 2))
        var expected = field(1, Array("d".utf8)) + field(1, Array("ab".utf8)) + field(2, [0xff])
        expected += field(4, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        expected += field(5, [7, 0, 0, 0, 0, 0, 0, 0]) + field(6, [0])
        expected += field(3, [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0])
        #expect(hasher.finalize() == ContentHasher.digest(of: expected))
    }

    @Test func finalizeDoesNotEndTheHasher() {
        var hasher = ActionKeyHasher()
        hasher.add("a")
        let partial = hasher.finalize()
        hasher.add("b")
        #expect(partial == key { $0.add("a") })
        #expect(
            hasher.finalize()
                == key {
                    $0.add("a"); $0.add("b")
                })
    }
}
