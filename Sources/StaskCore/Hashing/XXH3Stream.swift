internal import CXXHash

/// libxxhash's streaming state (`XXH3_state_t`), for the 128-bit hash (content digests, action keys) or the
/// 64-bit one (checksums of state files): bytes given in pieces hash as if given at once.
// @unchecked Sendable: a C state with no lock. Each owner keeps it to one thread at a time: `HashingScratch`
// is lent to one caller at a time, `ActionKeyHasher` copies a shared state before updating it, and a
// snapshot's checksum belongs to the one writer that streams it.
final class XXH3Stream: @unchecked Sendable {
    enum Width: Sendable {
        case bits64, bits128
    }

    let width: Width
    private let state: OpaquePointer

    /// A state with nothing hashed yet.
    init(_ width: Width) {
        guard let state = XXH3_createState() else { preconditionFailure("XXH3_createState: out of memory") }
        self.width = width
        self.state = state
        reset()
    }

    /// A state that goes on from where `other` is.
    init(copying other: XXH3Stream) {
        guard let state = XXH3_createState() else { preconditionFailure("XXH3_createState: out of memory") }
        self.width = other.width
        self.state = state
        XXH3_copyState(state, other.state)
    }

    deinit {
        XXH3_freeState(state)
    }

    /// Forgets everything hashed.
    func reset() {
        switch width {
        case .bits64: XXH3_64bits_reset(state)
        case .bits128: XXH3_128bits_reset(state)
        }
    }

    /// Forgets everything hashed and starts a 64-bit hash with `seed` (as `XXH3_64bits_withSeed`).
    func reset(seed: UInt64) {
        precondition(width == .bits64, "a seeded reset is only used for 64-bit checksums")
        XXH3_64bits_reset_withSeed(state, seed)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        switch width {
        case .bits64: XXH3_64bits_update(state, bytes.baseAddress, bytes.count)
        case .bits128: XXH3_128bits_update(state, bytes.baseAddress, bytes.count)
        }
    }

    /// XXH3-128 of everything given (a 128-bit state).
    var digest: ContentDigest {
        precondition(width == .bits128, "a 64-bit XXH3 state has no 128-bit digest")
        return ContentDigest(XXH3_128bits_digest(state))
    }

    /// XXH3-64 of everything given (a 64-bit state).
    var checksum: UInt64 {
        precondition(width == .bits64, "a 128-bit XXH3 state has no 64-bit checksum")
        return XXH3_64bits_digest(state)
    }
}
