import Foundation
import Synchronization

/// Runs a synchronous loop of test cases on a thread of its own and stops waiting for it as soon as one
/// case runs longer than a limit, so a hang fails the test (naming the case) instead of stalling it.
///
/// The loop calls ``begin(_:)`` before each case and ``end()`` after it; the waiting task checks the
/// running case every 20 ms. A case that overruns is reported as ``Outcome/overran(case:elapsed:)``
/// and its thread is abandoned (it ends with the test process). The loop's thread gets a large stack
/// of its own, so parser recursion is not limited by the cooperative pool's threads.
final class CaseWatchdog: Sendable {
    /// How the loop ended.
    enum Outcome<Result: Sendable>: Sendable {
        case finished(Result)
        case overran(case: Int, elapsed: Duration)
    }

    private struct Running {
        var index = -1
        var started: ContinuousClock.Instant?
    }

    private let running = Mutex(Running())
    let limit: Duration

    init(limit: Duration) {
        self.limit = limit
    }

    /// Marks case `index` as started.
    func begin(_ index: Int) {
        let now = ContinuousClock.now
        running.withLock { $0 = Running(index: index, started: now) }
    }

    /// Marks the running case as finished.
    func end() {
        running.withLock { $0.started = nil }
    }

    /// The running case and how long it has run, when that exceeds the limit.
    private func overrun() -> (index: Int, elapsed: Duration)? {
        let now = ContinuousClock.now
        return running.withLock { state in
            guard let started = state.started, now - started > limit else { return nil }
            return (state.index, now - started)
        }
    }

    /// Runs `loop` on a new thread and waits for it, or until one of its cases overruns.
    func run<Result: Sendable>(
        stackSize: Int = 16 << 20, _ loop: @escaping @Sendable (CaseWatchdog) -> Result
    ) async -> Outcome<Result> {
        let slot = OutcomeSlot<Outcome<Result>>()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(20))
                    if let (index, elapsed) = self.overrun() {
                        slot.fill(.overran(case: index, elapsed: elapsed))
                        return
                    }
                }
            }
            let outcome = await withCheckedContinuation { continuation in
                slot.install(continuation)
                let thread = Thread { slot.fill(.finished(loop(self))) }
                thread.stackSize = stackSize
                thread.start()
            }
            group.cancelAll()
            return outcome
        }
    }
}

/// The first of several racing values, handed to one continuation exactly once.
private final class OutcomeSlot<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var value: Value?
        var isResumed = false
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Value, Never>) {
        let value: Value? = state.withLock { state in
            guard let value = state.value, !state.isResumed else {
                state.continuation = continuation
                return nil
            }
            state.isResumed = true
            return value
        }
        if let value { continuation.resume(returning: value) }
    }

    func fill(_ value: Value) {
        let continuation: CheckedContinuation<Value, Never>? = state.withLock { state in
            guard state.value == nil else { return nil }
            state.value = value
            guard let continuation = state.continuation else { return nil }
            state.isResumed = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: value)
    }
}
