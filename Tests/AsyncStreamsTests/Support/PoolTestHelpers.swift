import Synchronization
import Testing

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

/// A shareable, lock-protected value for recording from task bodies and callbacks.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    var value: Value { storage.withLock { $0 } }

    @discardableResult
    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        storage.withLock { body(&$0) }
    }
}

/// Lets task closures reach a source created after them.
final class SourceBox<Value: AnyObject & Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)
    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// `count` tasks `b0`, `b1`, … that report their start to `probe`, then wait until cancelled.
func blockedJobs<Progress: Sendable>(_ count: Int, probe: TaskProbe) -> [ScheduledTask<Progress, String>] {
    (0..<count).map { index in
        ScheduledTask(key: "b\(index)") {
            await probe.start("b\(index)")
            try await CancellableGate().wait()
            return ""
        }
    }
}
