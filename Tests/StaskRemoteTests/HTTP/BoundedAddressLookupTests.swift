import Glibc
import StaskTestSupport
import Synchronization
import Testing

@testable import StaskCore
@testable import StaskPosix
@testable import StaskRemote

/// The lookups and connections under test block their caller by design (up to the deadline, or the
/// system resolver's), so each runs on a thread of its own, never on the cooperative pool.
@Suite(.timeLimit(.minutes(1)))
struct BoundedAddressLookupTests {
    /// A lookup that blocks until `release()`, then reports `status`, and says when it has returned.
    ///
    /// Its pipes are close-on-exec, and it waits 30 s at most for the release: its thread ends even when a
    /// test fails before releasing it.
    final class StalledLookup: Sendable {
        let gate: (read: Int32, write: Int32)
        let done: (read: Int32, write: Int32)
        let status: Int32

        init(status: Int32 = EAI_AGAIN) throws {
            gate = try #require(SystemCalls.makeOutputPipe())
            done = try #require(SystemCalls.makeOutputPipe())
            self.status = status
        }

        deinit {
            for descriptor in [gate.read, gate.write, done.read, done.write] { close(descriptor) }
        }

        var lookup: BoundedAddressLookup.Lookup {
            { _, _ in
                var byte: UInt8 = 0
                if Self.waitUntilReadable(self.gate.read, timeout: .seconds(30)) { _ = read(self.gate.read, &byte, 1) }
                defer { _ = write(self.done.write, &byte, 1) }
                return BoundedAddressLookup.Outcome(status: self.status)
            }
        }

        func release() {
            var byte: UInt8 = 1
            _ = write(gate.write, &byte, 1)
        }

        /// Waits until the lookup has returned: `poll` on the done pipe, 10 s at most, on a thread of its own.
        func waitUntilReturned() async throws {
            try await OffPool.run("the abandoned lookup to return", timeout: .seconds(15)) { [self] in
                guard Self.waitUntilReadable(done.read, timeout: .seconds(10)) else {
                    throw HarnessError("gave up after 10 s waiting for the abandoned lookup to return")
                }
            }
        }

        /// Polls `descriptor` until it is readable (`true`) or `timeout` has passed (`false`).
        static func waitUntilReadable(_ descriptor: Int32, timeout: Duration) -> Bool {
            let deadline = ContinuousClock.now + timeout
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return false }
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(min(left.components.seconds * 1000 + 1, 1_000))
                if poll(&entry, 1, milliseconds) > 0 { return true }
            }
        }
    }

    static func deadline(in milliseconds: Int64) -> Int64 {
        SystemCalls.monotonicNanoseconds() + milliseconds * 1_000_000
    }

    /// Runs a blocking lookup or connection on a thread of its own (20 s at most) and returns how it ended.
    private func offPool<Value: Sendable>(
        _ body: @escaping @Sendable () throws -> Value
    ) async throws -> Result<Value, any Error> {
        try await OffPool.run("the lookup or connection to return", timeout: .seconds(20)) { Result { try body() } }
    }

    @Test func resolvesANumericAddressThroughTheSystem() async throws {
        let outcome = try await offPool {
            try BoundedAddressLookup.resolve(
                "127.0.0.1", port: 8080, deadline: Self.deadline(in: 10_000), cancellation: nil)
        }.get()
        #expect(outcome.status == 0)
        let first = try #require(outcome.list?.first)
        #expect(first.pointee.ai_family == AF_INET)
    }

    @Test func aLookupPastTheDeadlineTimesOutAndIsLeftToFinishOnItsOwn() async throws {
        let stalled = try StalledLookup()
        let result = try await offPool {
            try BoundedAddressLookup.resolve(
                "cache.example", port: 9092, deadline: Self.deadline(in: 50), cancellation: nil,
                lookup: stalled.lookup)
        }
        #expect(throws: HTTPClientError.timedOut(operation: "resolving cache.example")) { try result.get() }
        stalled.release()
        try await stalled.waitUntilReturned()  // the abandoned lookup ends without anyone waiting for it
    }

    @Test func aFailedLookupReportsItsStatus() async throws {
        let stalled = try StalledLookup(status: EAI_NONAME)
        stalled.release()
        let outcome = try await offPool {
            try BoundedAddressLookup.resolve(
                "nowhere.example", port: 80, deadline: Self.deadline(in: 10_000), cancellation: nil,
                lookup: stalled.lookup)
        }.get()
        #expect(outcome.status == EAI_NONAME && outcome.list == nil)
    }

    @Test func cancellationEndsTheWait() async throws {
        let stalled = try StalledLookup()
        let cancellation = IOCancellation()
        cancellation.cancel()
        let result = try await offPool {
            try BoundedAddressLookup.resolve(
                "cache.example", port: 9092, deadline: Self.deadline(in: 10_000), cancellation: cancellation,
                lookup: stalled.lookup)
        }
        #expect(throws: HTTPClientError.cancelled) { try result.get() }
        stalled.release()
        try await stalled.waitUntilReturned()
    }

    @Test func connectingCountsTheLookupAgainstItsTimeout() async throws {
        let stalled = try StalledLookup()
        let timedOut = try await offPool {
            try HTTPConnection.open(
                host: "cache.example", port: 9092, timeout: .milliseconds(50), cancellation: nil,
                lookup: stalled.lookup
            ).close()
        }
        #expect(throws: HTTPClientError.timedOut(operation: "resolving cache.example")) { try timedOut.get() }
        stalled.release()
        try await stalled.waitUntilReturned()

        let failing = try StalledLookup(status: EAI_NONAME)
        failing.release()
        let unresolved = try await offPool {
            try HTTPConnection.open(
                host: "nowhere.example", port: 80, timeout: .seconds(10), cancellation: nil, lookup: failing.lookup
            ).close()
        }
        #expect(throws: HTTPClientError.cannotResolve(host: "nowhere.example", reason: "Name or service not known")) {
            try unresolved.get()
        }
    }
}
