@testable import AsyncStreams

/// Test error with an identity.
struct TestFailure: Error, Equatable, CustomStringConvertible {
    var name: String
    var description: String { "test failure '\(name)'" }
}

extension TaskProgressStream {
    /// Every envelope until the end (or the thrown error).
    func collect() async throws -> [Element] {
        var all: [Element] = []
        for try await envelope in self { all.append(envelope) }
        return all
    }
}

extension Array {
    /// Keys of terminal envelopes in emission order.
    func finalKeys<P, O>() -> [String] where Element == TaskProgressEnvelope<P, O> {
        compactMap { $0.isTerminal ? $0.key : nil }
    }
}

/// A deterministic pseudo-random generator (SplitMix64) for seeded property tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
