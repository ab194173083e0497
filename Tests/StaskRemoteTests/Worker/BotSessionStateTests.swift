import Testing

@testable import StaskREAPI

/// `BotSessionState` fed replies synchronously.
@Suite struct BotSessionStateTests {
    typealias Session = Google_Devtools_Remoteworkers_V1test2_BotSession
    typealias Lease = Google_Devtools_Remoteworkers_V1test2_Lease

    static func session(version: String, leases: [Lease] = []) -> Session {
        var session = Session()
        session.name = "/bot"
        session.version = version
        session.leases = leases
        return session
    }

    static func lease(_ id: String, _ state: Google_Devtools_Remoteworkers_V1test2_LeaseState) -> Lease {
        var lease = Lease()
        lease.id = id
        lease.state = state
        return lease
    }

    @Test func startsNewLeasesAndReportsThemActive() {
        var state = BotSessionState(created: Self.session(version: "1"))
        let sent = state.outgoing(status: .ok)
        #expect(sent.leases.isEmpty)
        let (start, cancel) = state.apply(
            reply: Self.session(version: "2", leases: [Self.lease("a", .pending), Self.lease("b", .active)]), sent: sent
        )
        #expect(start.map(\.id) == ["a", "b"])
        #expect(cancel.isEmpty)
        let next = state.outgoing(status: .ok)
        #expect(next.version == "2")
        #expect(next.leases.map(\.state) == [.active, .active])
    }

    @Test func aLeaseMissingFromTheReplyIsCancelled() {
        var state = BotSessionState(created: Self.session(version: "1"))
        _ = state.apply(
            reply: Self.session(version: "2", leases: [Self.lease("a", .active)]), sent: state.outgoing(status: .ok))
        let sent = state.outgoing(status: .ok)
        let (start, cancel) = state.apply(reply: Self.session(version: "3"), sent: sent)
        #expect(start.isEmpty)
        #expect(cancel == ["a"])
        #expect(state.running.isEmpty)
    }

    @Test func aCompletedLeaseIsReportedUntilAcknowledged() {
        var state = BotSessionState(created: Self.session(version: "1"))
        _ = state.apply(
            reply: Self.session(version: "2", leases: [Self.lease("a", .active)]), sent: state.outgoing(status: .ok))
        state.complete("a", result: nil, status: .init())
        #expect(state.hasReports)
        let first = state.outgoing(status: .ok)
        #expect(first.leases.map(\.state) == [.completed])
        // The call failed: the same report goes out again.
        #expect(state.outgoing(status: .ok).leases.map(\.id) == ["a"])
        let (start, cancel) = state.apply(reply: Self.session(version: "3"), sent: first)
        #expect(start.isEmpty && cancel.isEmpty)
        #expect(!state.hasReports)
        #expect(state.outgoing(status: .ok).leases.isEmpty)
    }

    @Test func aLeaseFinishedAfterTheUpdateWasSentIsNotStartedAgain() {
        var state = BotSessionState(created: Self.session(version: "1"))
        _ = state.apply(
            reply: Self.session(version: "2", leases: [Self.lease("a", .active)]), sent: state.outgoing(status: .ok))
        let sent = state.outgoing(status: .ok)
        state.complete("a", result: nil, status: .init())
        let (start, cancel) = state.apply(
            reply: Self.session(version: "2", leases: [Self.lease("a", .active)]), sent: sent)
        #expect(start.isEmpty && cancel.isEmpty)
        #expect(state.outgoing(status: .ok).leases.map(\.state) == [.completed])
    }
}
