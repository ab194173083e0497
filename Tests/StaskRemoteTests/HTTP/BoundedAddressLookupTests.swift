import Glibc
import Synchronization
import Testing

@testable import StaskCore
@testable import StaskRemote
@testable import StaskPosix

@Suite(.timeLimit(.minutes(1)))
struct BoundedAddressLookupTests {
    /// A lookup that blocks until `release()`, then reports `status`, and says when it has returned.
    final class StalledLookup: Sendable {
        let gate: (read: Int32, write: Int32)
        let done: (read: Int32, write: Int32)
        let status: Int32

        init(status: Int32 = EAI_AGAIN) throws {
            var gate: [Int32] = [-1, -1]
            var done: [Int32] = [-1, -1]
            try #require(pipe(&gate) == 0 && pipe(&done) == 0)
            self.gate = (gate[0], gate[1])
            self.done = (done[0], done[1])
            self.status = status
        }

        deinit {
            for descriptor in [gate.read, gate.write, done.read, done.write] { close(descriptor) }
        }

        var lookup: BoundedAddressLookup.Lookup {
            { _, _ in
                var byte: UInt8 = 0
                _ = read(self.gate.read, &byte, 1)
                defer { _ = write(self.done.write, &byte, 1) }
                return BoundedAddressLookup.Outcome(status: self.status)
            }
        }

        func release() {
            var byte: UInt8 = 1
            _ = write(gate.write, &byte, 1)
        }

        /// Blocks until the lookup has returned.
        func waitUntilReturned() {
            var byte: UInt8 = 0
            _ = read(done.read, &byte, 1)
        }
    }

    static func deadline(in milliseconds: Int64) -> Int64 {
        SystemCalls.monotonicNanoseconds() + milliseconds * 1_000_000
    }

    @Test func resolvesANumericAddressThroughTheSystem() throws {
        let outcome = try BoundedAddressLookup.resolve(
            "127.0.0.1", port: 8080, deadline: Self.deadline(in: 10_000), cancellation: nil)
        #expect(outcome.status == 0)
        let first = try #require(outcome.list?.first)
        #expect(first.pointee.ai_family == AF_INET)
    }

    @Test func aLookupPastTheDeadlineTimesOutAndIsLeftToFinishOnItsOwn() throws {
        let stalled = try StalledLookup()
        #expect(throws: HTTPClientError.timedOut(operation: "resolving cache.example")) {
            try BoundedAddressLookup.resolve(
                "cache.example", port: 9092, deadline: Self.deadline(in: 50), cancellation: nil,
                lookup: stalled.lookup)
        }
        stalled.release()
        stalled.waitUntilReturned()  // the abandoned lookup ends without anyone waiting for it
    }

    @Test func aFailedLookupReportsItsStatus() throws {
        let stalled = try StalledLookup(status: EAI_NONAME)
        stalled.release()
        let outcome = try BoundedAddressLookup.resolve(
            "nowhere.example", port: 80, deadline: Self.deadline(in: 10_000), cancellation: nil,
            lookup: stalled.lookup)
        #expect(outcome.status == EAI_NONAME && outcome.list == nil)
    }

    @Test func cancellationEndsTheWait() throws {
        let stalled = try StalledLookup()
        let cancellation = IOCancellation()
        cancellation.cancel()
        #expect(throws: HTTPClientError.cancelled) {
            try BoundedAddressLookup.resolve(
                "cache.example", port: 9092, deadline: Self.deadline(in: 10_000), cancellation: cancellation,
                lookup: stalled.lookup)
        }
        stalled.release()
        stalled.waitUntilReturned()
    }

    @Test func connectingCountsTheLookupAgainstItsTimeout() throws {
        let stalled = try StalledLookup()
        #expect(throws: HTTPClientError.timedOut(operation: "resolving cache.example")) {
            try HTTPConnection.open(
                host: "cache.example", port: 9092, timeout: .milliseconds(50), cancellation: nil,
                lookup: stalled.lookup)
        }
        stalled.release()
        stalled.waitUntilReturned()

        let failing = try StalledLookup(status: EAI_NONAME)
        failing.release()
        #expect(throws: HTTPClientError.cannotResolve(host: "nowhere.example", reason: "Name or service not known")) {
            try HTTPConnection.open(
                host: "nowhere.example", port: 80, timeout: .seconds(10), cancellation: nil, lookup: failing.lookup)
        }
    }
}
