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
