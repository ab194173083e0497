/// A read buffer plus an XXH3 streaming state, lent by `ContentHasher`'s pool to one call at a time.
// @unchecked Sendable: wraps raw memory and a C XXH3 state; ContentHasher hands each instance to exactly one
// caller at a time (popped from / pushed to its Mutex-protected pool), so the memory is never shared.
final class HashingScratch: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    private let state = XXH3Stream(.bits128)

    init(bufferSize: Int) {
        buffer = .allocate(byteCount: bufferSize, alignment: 4096)
    }

    deinit {
        buffer.deallocate()
    }

    func reset() {
        state.reset()
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        state.update(bytes)
    }

    func digest() -> ContentDigest {
        state.digest
    }
}
