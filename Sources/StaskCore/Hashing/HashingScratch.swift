internal import CXXHash

/// A read buffer plus an XXH3 streaming state, lent by `ContentHasher`'s pool to one call at a time.
// @unchecked Sendable: wraps raw memory and a C XXH3 state; ContentHasher hands each instance to exactly one
// caller at a time (popped from / pushed to its Mutex-protected pool), so the memory is never shared.
final class HashingScratch: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    private let state: OpaquePointer

    init(bufferSize: Int) {
        buffer = .allocate(byteCount: bufferSize, alignment: 4096)
        guard let state = XXH3_createState() else { preconditionFailure("XXH3_createState: out of memory") }
        self.state = state
    }

    deinit {
        buffer.deallocate()
        XXH3_freeState(state)
    }

    func reset() {
        XXH3_128bits_reset(state)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        XXH3_128bits_update(state, bytes.baseAddress, bytes.count)
    }

    func digest() -> ContentDigest {
        ContentDigest(XXH3_128bits_digest(state))
    }
}
