import AsyncStreams
import StaskCore
import Synchronization
import Testing

/// A jobserver whose tokens the test hands out; a wait for a token ends when one is added or returned.
final class FakeJobserver: JobserverClient {
    private struct State {
        var tokens: [UInt8]
        var returned: [UInt8] = []
        var isGone = false
        var waiters: [(id: Int, continuation: CheckedContinuation<UInt8?, Never>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(tokens: [UInt8], isGone: Bool = false) {
        state = Mutex(State(tokens: tokens, isGone: isGone))
    }

    var returned: [UInt8] { state.withLock { $0.returned } }

    func acquireToken() async throws -> UInt8? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let token = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<UInt8?, Never>) in
                let now = state.withLock { state -> UInt8?? in
                    if Task.isCancelled || state.isGone { return .some(nil) }
                    if !state.tokens.isEmpty { return .some(state.tokens.removeFirst()) }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<UInt8?, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
        if Task.isCancelled {
            if let token { releaseToken(token) }
            throw CancellationError()
        }
        return token
    }

    func releaseToken(_ token: UInt8) {
        state.withLock { $0.returned.append(token) }
        add(token)
    }

    /// Makes `token` available: to the longest waiter, else to the next acquisition.
    func add(_ token: UInt8) {
        let waiter = state.withLock { state -> CheckedContinuation<UInt8?, Never>? in
            if state.waiters.isEmpty {
                state.tokens.append(token)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: token)
    }

    func environmentForNestedBuild(_ environment: [String: String]) -> [String: String] { environment }
    var descriptorsForNestedBuild: [Int32: Int32] { [:] }
}

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

@Suite struct CPULenderTests {
    @Test func lendsOnlyFreeUnitsAndOnlyWhileNoStepWaits() throws {
        let capacity = try ResourceCapacitySource(limits: ["cpu": 2])
        let waiting = Mutex(false)
        let lender = CPULender()
        lender.attach(capacity) { waiting.withLock { $0 } }
        #expect(lender.cpuLimit == 2)
        #expect(lender.lendOne() && lender.lendOne())
        #expect(!lender.lendOne(), "no unit is free")
        lender.giveBack(1)
        waiting.withLock { $0 = true }
        #expect(!lender.lendOne(), "a step waits: the free unit is its")
        #expect(capacity.available["cpu"] == 1)
    }

    @Test func listenersHearOfChangesUntilTheyStop() {
        let lender = CPULender()
        let heard = Mutex(0)
        let stop = lender.listen { heard.withLock { $0 += 1 } }
        lender.notifyChange()
        stop()
        lender.notifyChange()
        #expect(heard.withLock { $0 } == 1)
    }
}

@Suite struct JobserverKeyTests {
    func parse(_ value: String) throws -> Taskfile {
        try TaskfileParser(fileSystem: InMemoryFileSystem(), workingDirectory: "/p").parse(
            contents: Array("version: 1\ntasks:\n  a:\n    jobserver: \(value)\n    run: make\n".utf8), path: "/p/T.yml"
        )
    }

    @Test func theKeyTakesABooleanOrAStyle() throws {
        #expect(try parse("true").tasks.first?.jobserver == .pipe)
        #expect(try parse("pipe").tasks.first?.jobserver == .pipe)
        #expect(try parse("fifo").tasks.first?.jobserver == .fifo)
        #expect(try parse("false").tasks.first?.jobserver == nil)
        do {
            _ = try parse("socket")
            Issue.record("an unknown style was accepted")
        } catch {
            #expect("\(error)".contains("T.yml:4:16"), "\(error)")
            #expect("\(error)".contains("true, false, pipe or fifo"), "\(error)")
        }
    }
}
