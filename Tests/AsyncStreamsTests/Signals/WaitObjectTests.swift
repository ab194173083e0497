import AsyncStreams
import Testing

private struct Boom: Error, Equatable {}

/// Waits until `object` has `count` suspended waiters, without sleeping; fails the test after a deadline.
private func waitForWaiters(
    _ object: WaitObject<some Sendable>, count: Int, sourceLocation: SourceLocation = #_sourceLocation
) async {
    await waitUntil("\(count) tasks wait on the object", sourceLocation: sourceLocation) {
        object.waiterCount >= count
    }
}

@Suite(.timeLimit(.minutes(1))) struct WaitObjectTests {
    @Test func resolveBeforeWaitIsReturnedWithoutSuspending() async throws {
        let signal = WaitObject<String>(label: "t")
        signal.resolve("a")
        #expect(signal.hasPendingValue)
        #expect(try await signal.wait() == "a")
        #expect(!signal.hasPendingValue)
    }

    @Test func lastValueWinsAndIsConsumed() async throws {
        let signal = WaitObject<Int>()
        signal.resolve(1)
        signal.resolve(2)
        #expect(try await signal.wait() == 2)
        let second = Task { try await signal.wait() }
        await waitForWaiters(signal, count: 1)
        #expect(signal.waiterCount == 1)  // the second wait suspended
        signal.resolve(3)
        #expect(try await second.value(within: "the second task to finish") == 3)
    }

    @Test func rejectIsSticky() async throws {
        let signal = WaitObject<Int>()
        let pending = Task { try await signal.wait() }
        await waitForWaiters(signal, count: 1)
        signal.reject(Boom())
        await #expect(throws: Boom.self) { try await pending.value(within: "the pending task to finish") }
        await #expect(throws: Boom.self) { try await signal.wait() }
        signal.resolve(1)
        await #expect(throws: Boom.self) { try await signal.wait() }
    }

    @Test func stopEndsIteration() async throws {
        let signal = WaitObject<Int>()
        let collected = Task {
            var values: [Int] = []
            for try await value in signal {
                values.append(value)
                if values.count == 2 { signal.stop() }
            }
            return values
        }
        await waitForWaiters(signal, count: 1)
        signal.resolve(1)
        await waitForWaiters(signal, count: 1)
        signal.resolve(2)
        #expect(try await collected.value(within: "the collected task to finish") == [1, 2])
        #expect(try await signal.wait() == nil)
    }

    @Test func stopResumesPendingWaiterWithNilAndDiscardsStoredValue() async throws {
        let signal = WaitObject<Int>()
        let pending = Task { try await signal.wait() }
        await waitForWaiters(signal, count: 1)
        signal.stop()
        #expect(try await pending.value(within: "the pending task to finish") == nil)
        signal.resolve(5)
        #expect(try await signal.wait() == nil)
        let stored = WaitObject<Int>(initialValue: 1)
        stored.stop()
        stored.reject(Boom())  // ignored: stop came first
        #expect(try await stored.wait() == nil)
    }

    @Test func initialValueIsReturnedByFirstWait() async throws {
        let signal = WaitObject<Bool>(label: "ready", initialValue: true)
        #expect(try await signal.wait() == true)
        #expect(!signal.hasPendingValue)
    }

    @Test func concurrentWaitersAreServedFirstComeFirstServedOneValueEach() async throws {
        let signal = WaitObject<Int>()
        let first = Task { try await signal.wait() }
        await waitForWaiters(signal, count: 1)
        let second = Task { try await signal.wait() }
        await waitForWaiters(signal, count: 2)
        signal.resolve(10)
        #expect(try await first.value(within: "the first task to finish") == 10)
        #expect(signal.waiterCount == 1)
        signal.resolve(20)
        #expect(try await second.value(within: "the second task to finish") == 20)
        #expect(!signal.hasPendingValue)
    }

    @Test func cancellationResumesAndRemovesTheWaiter() async throws {
        let signal = WaitObject<Int>()
        let waiter = Task { try await signal.wait() }
        await waitForWaiters(signal, count: 1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value(within: "the waiter task to finish") }
        #expect(signal.waiterCount == 0)
        signal.resolve(7)  // stored, not lost to the cancelled waiter
        #expect(try await signal.wait() == 7)
    }

    @Test func cancelledTaskStillReceivesStoredValue() async throws {
        let signal = WaitObject<Int>(initialValue: 4)
        let result = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await signal.wait()
        }.result
        #expect(try result.get() == 4)
        let empty = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await signal.wait()
        }.result
        #expect(throws: CancellationError.self) { try empty.get() }
    }
}
