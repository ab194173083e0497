import AsyncStreams
import StaskCore
import Synchronization
import Testing

/// A jobserver whose tokens the test hands out.
final class FakeJobserver: JobserverClient {
    private struct State {
        var tokens: [UInt8]
        var returned: [UInt8] = []
        var isGone = false
    }

    private let state: Mutex<State>

    init(tokens: [UInt8], isGone: Bool = false) {
        state = Mutex(State(tokens: tokens, isGone: isGone))
    }

    var returned: [UInt8] { state.withLock { $0.returned } }

    func acquireToken() async throws -> UInt8? {
        while true {
            let taken = state.withLock { state -> UInt8?? in
                if state.isGone { return .some(nil) }
                return state.tokens.isEmpty ? nil : .some(state.tokens.removeFirst())
            }
            if let taken { return taken }
            try await Task.sleep(for: .milliseconds(1))  // a fake: no real jobserver to wait on
        }
    }

    func releaseToken(_ token: UInt8) {
        state.withLock {
            $0.returned.append(token)
            $0.tokens.append(token)
        }
    }
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
