import GRPCCore
import SwiftProtobuf

/// What a worker and the server have told each other about one bot session: its leases, as a pure value.
///
/// Owned by the session loop of ``RemoteWorker`` alone (no locks, no tasks): the loop asks for the session to
/// send (``outgoing(status:)``), feeds the server's reply to ``apply(reply:sent:)`` and learns which leases to
/// start and which to cancel, and records each finished action with ``complete(_:result:status:)``.
///
/// - A lease the server sends as `PENDING` or `ACTIVE` that the worker does not know is new: it is started and
///   reported `ACTIVE` from then on.
/// - A running lease missing from a reply to a session that reported it is cancelled by the server.
/// - A completed lease is reported `COMPLETED` until a reply to an update that carried it arrives (a failed
///   call reports it again), then forgotten.
struct BotSessionState {
    typealias Session = Google_Devtools_Remoteworkers_V1test2_BotSession
    typealias Lease = Google_Devtools_Remoteworkers_V1test2_Lease

    /// The session as the server last returned it (name, version, expiry); its leases are not used.
    private(set) var session: Session
    /// The leases being worked on, in the order they came.
    private(set) var running: [Lease] = []
    /// Finished leases not yet acknowledged.
    private(set) var finished: [Lease] = []

    /// The state of a session the server just created (its reply to `CreateBotSession`).
    init(created: Session) {
        session = created
        session.leases = []
    }

    /// Whether an update is owed to the server right away: a finished lease to report.
    var hasReports: Bool { !finished.isEmpty }

    /// The session to send: the last one returned, with the running leases `ACTIVE` and the finished ones
    /// `COMPLETED`.
    func outgoing(status: Google_Devtools_Remoteworkers_V1test2_BotStatus) -> Session {
        var outgoing = session
        outgoing.status = status
        outgoing.leases = running + finished
        return outgoing
    }

    /// Takes the server's reply to `sent`.
    ///
    /// - Returns: The leases to start (now running) and the ids of running leases the server cancelled (no
    ///   longer running).
    mutating func apply(reply: Session, sent: Session) -> (start: [Lease], cancel: [String]) {
        let acknowledged = Set(sent.leases.lazy.filter { $0.state == .completed }.map(\.id))
        finished.removeAll { acknowledged.contains($0.id) }
        let reported = Set(sent.leases.lazy.filter { $0.state == .active }.map(\.id))
        let replied = Set(reply.leases.map(\.id))
        var cancel: [String] = []
        running.removeAll { lease in
            guard reported.contains(lease.id), !replied.contains(lease.id) else { return false }
            cancel.append(lease.id)
            return true
        }
        var known = Set(running.map(\.id))
        known.formUnion(finished.map(\.id))
        var start: [Lease] = []
        for var lease in reply.leases where !known.contains(lease.id) {
            guard lease.state == .pending || lease.state == .active else { continue }
            lease.state = .active
            known.insert(lease.id)
            running.append(lease)
            start.append(lease)
        }
        session = reply
        session.leases = []
        return (start, cancel)
    }

    /// Records that the running lease `id` finished: reported `COMPLETED` with `status` and `result` from now on.
    /// A lease no longer running (cancelled meanwhile) is ignored.
    mutating func complete(_ id: String, result: Google_Protobuf_Any?, status: Google_Rpc_Status) {
        guard let index = running.firstIndex(where: { $0.id == id }) else { return }
        var lease = running.remove(at: index)
        lease.state = .completed
        lease.status = status
        if let result { lease.result = result } else { lease.clearResult() }
        lease.clearPayload()  // the server has it; no need to send the Action back
        finished.append(lease)
    }
}
