import AsyncStreams
import StaskCore
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct JobSlotsTests {
    @Test func theImplicitSlotComesFirstThenTokensAndAllGoBack() async throws {
        let jobserver = FakeJobserver(tokens: [UInt8(ascii: "+")])
        let slots = JobSlots(client: jobserver)
        let first = try await slots.take()
        let second = try await slots.take()
        #expect(first == .implicit && second == .token(UInt8(ascii: "+")))
        slots.give(second)
        slots.give(first)
        #expect(jobserver.returned == [UInt8(ascii: "+")])
        #expect(try await slots.take() == .implicit, "the implicit slot is free again")
    }

    @Test func aSlotGoesBackWhenTheBodyThrows() async throws {
        let jobserver = FakeJobserver(tokens: [7])
        let slots = JobSlots(client: jobserver)
        _ = try await slots.take()  // the implicit slot is busy
        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await slots.withSlot { throw Failure() }
        }
        #expect(jobserver.returned == [7])
    }

    @Test func theImplicitSlotGivenBackGoesToACommandWaitingForAToken() async throws {
        let jobserver = FakeJobserver(tokens: [])  // make holds every token elsewhere
        let slots = JobSlots(client: jobserver)
        let first = try await slots.take()
        let second = Task { try await slots.take() }
        slots.give(first)
        #expect(try await second.value == .implicit)
        // The token wait it no longer needs was given up: a token added now stays free for the next one.
        jobserver.add(9)
        slots.give(.implicit)
        #expect(try await slots.take() == .implicit)
        #expect(try await slots.take() == .token(9))
    }

    @Test func aJobserverThatIsGoneMeansNoLimit() async throws {
        let slots = JobSlots(client: FakeJobserver(tokens: [], isGone: true))
        _ = try await slots.take()
        #expect(try await slots.take() == .unlimited)
    }
}
