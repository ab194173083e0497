import GRPCCore
import StaskCore
import SwiftProtobuf

/// The loop of one ``RemoteWorker/run()``: owns the ``BotSessionState`` and the tasks of the running actions;
/// not `Sendable`, used by that one task alone.
struct SessionLoop {
    let worker: RemoteWorker
    let events: AsyncStream<WorkerEvent>
    let continuation: AsyncStream<WorkerEvent>.Continuation
    private var iterator: AsyncStream<WorkerEvent>.Iterator
    private var state: BotSessionState?
    /// The task of each running action, by lease id.
    private var actions: [String: Task<Void, Never>] = [:]
    /// The tasks of cancelled actions whose processes may still be ending, by lease id: awaited before
    /// ``run()`` returns.
    private var cancelled: [String: Task<Void, Never>] = [:]
    private var isStopping = false
    private var backoff: Duration
    private var lastUpdate = ContinuousClock.now
    /// Whether the last call failed, so that a server that stays down is reported once, not at every retry.
    private var isFailing = false
    private let clock = ContinuousClock()

    init(worker: RemoteWorker, events: AsyncStream<WorkerEvent>, continuation: AsyncStream<WorkerEvent>.Continuation) {
        self.worker = worker
        self.events = events
        self.continuation = continuation
        iterator = events.makeAsyncIterator()
        backoff = worker.configuration.initialBackoff
    }

    private var configuration: WorkerConfiguration { worker.configuration }

    mutating func run() async {
        while !isStopping && !Task.isCancelled {
            guard var current = state else {
                await createSession()
                continue
            }
            let isIdle = current.running.isEmpty && !current.hasReports
            let interval =
                current.running.count < configuration.capacity
                ? configuration.pollInterval : configuration.keepAliveInterval
            if isIdle || current.hasReports || lastUpdate.duration(to: clock.now) >= interval {
                let sent = current.outgoing(status: .ok)
                let started = clock.now
                do {
                    let reply = try await worker.update(sent, waiting: isIdle)
                    recovered()
                    lastUpdate = clock.now
                    let (start, cancel) = current.apply(reply: reply, sent: sent)
                    state = current
                    for id in cancel { cancelAction(id) }
                    for lease in start { startAction(lease) }
                    // A server that answers an idle poll at once with nothing must not make this loop spin.
                    if isIdle && start.isEmpty && started.duration(to: clock.now) < .seconds(1) {
                        await pause(for: configuration.pollInterval)
                    }
                } catch {
                    guard !isStopping && !Task.isCancelled else { break }
                    if Self.isSessionLost(error) {
                        configuration.log("stask worker: the server dropped the session (\(error)); starting a new one")
                        cancelAllActions()
                        state = nil
                    } else {
                        failed("UpdateBotSession", error)
                        await pause(for: backoff)
                        backoff = min(backoff * 2, configuration.maximumBackoff)
                    }
                    continue
                }
                if let state, state.running.isEmpty && !state.hasReports { continue }
            }
            guard let event = await iterator.next(isolation: #isolation) else { break }
            handle(event)
        }
        await stop()
    }

    // MARK: - Session

    private mutating func createSession() async {
        do {
            let session = try await worker.createSession()
            recovered()
            lastUpdate = clock.now
            var created = BotSessionState(created: BotSessionState.Session())
            // The created session may already carry leases: take them as a reply would bring them.
            let (start, _) = created.apply(reply: session, sent: created.outgoing(status: .ok))
            state = created
            configuration.log(
                "stask worker: bot '\(configuration.botID)' in session '\(session.name)', capacity \(configuration.capacity)"
            )
            for lease in start { startAction(lease) }
        } catch {
            guard !Task.isCancelled else { return }
            failed("CreateBotSession", error)
            await pause(for: backoff)
            backoff = min(backoff * 2, configuration.maximumBackoff)
        }
    }

    /// Whether a failed update means the server no longer knows the session (it expired, or the server
    /// restarted): anything but a transport failure or a timeout.
    static func isSessionLost(_ error: any Error) -> Bool {
        guard let error = error as? RPCError else { return false }
        switch error.code {
        case .invalidArgument, .notFound, .failedPrecondition, .permissionDenied, .unauthenticated, .aborted:
            return true
        default:
            return false
        }
    }

    private mutating func failed(_ call: String, _ error: any Error) {
        if !isFailing {
            configuration.log("stask worker: \(call) failed (\(error)); retrying with back-off")
        }
        isFailing = true
    }

    private mutating func recovered() {
        if isFailing { configuration.log("stask worker: the server answers again") }
        isFailing = false
        backoff = configuration.initialBackoff
    }

    /// Handles events until `duration` has passed or the worker stops.
    private mutating func pause(for duration: Duration) async {
        let deadline = clock.now + duration
        while !isStopping && clock.now < deadline {
            guard let event = await iterator.next(isolation: #isolation) else { return }
            handle(event)
        }
    }

    private mutating func handle(_ event: WorkerEvent) {
        switch event {
        case .tick:
            break
        case .stop:
            isStopping = true
        case .finished(let leaseID, let outcome, let actionDigest, let duration):
            guard actions.removeValue(forKey: leaseID) != nil else {
                cancelled[leaseID] = nil  // cancelled meanwhile: nothing to report
                return
            }
            let name = String(actionDigest.hash.prefix(12))
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            let time = "\((seconds * 1000).rounded() / 1000) s"
            var status = Google_Rpc_Status()
            var result: Google_Protobuf_Any?
            switch outcome {
            case .ran(let actionResult, let isTimedOut):
                result = try? Google_Protobuf_Any(message: actionResult)
                if isTimedOut {
                    status.code = Int32(RPCError.Code.deadlineExceeded.rawValue)
                    status.message = "the action ran out of time"
                    configuration.log("stask worker: \(name) timed out after \(time)")
                } else {
                    configuration.log("stask worker: \(name) exit \(actionResult.exitCode) in \(time)")
                }
            case .failed(let error):
                status.code = Int32(error.statusCode.rawValue)
                status.message = error.description
                configuration.log("stask worker: \(name.isEmpty ? leaseID : name) failed: \(error)")
            case .cancelled:
                return
            }
            state?.complete(leaseID, result: result, status: status)
        }
    }

    // MARK: - Actions

    private mutating func startAction(_ lease: BotSessionState.Lease) {
        let runner = worker.runner
        let continuation = continuation
        let clock = clock
        let id = lease.id
        let payload = lease.payload
        // Stored in `actions` and cancelled by this loop (lease cancelled, session lost, worker stopping).
        actions[id] = Task {
            let start = clock.now
            let (outcome, digest) = await runner.run(payload: payload, leaseID: id)
            continuation.yield(
                .finished(leaseID: id, outcome: outcome, actionDigest: digest, duration: start.duration(to: clock.now)))
        }
    }

    private mutating func cancelAction(_ id: String) {
        guard let task = actions.removeValue(forKey: id) else { return }
        configuration.log("stask worker: lease \(id) cancelled by the server")
        task.cancel()
        cancelled[id] = task
    }

    private mutating func cancelAllActions() {
        for (id, task) in actions {
            task.cancel()
            cancelled[id] = task
        }
        actions = [:]
    }

    /// Kills the running actions, waits for their processes, and tells the server (when it can be reached) that
    /// this bot is going away, handing its leases back as `UNAVAILABLE` so that they are retried elsewhere.
    private mutating func stop() async {
        cancelAllActions()
        for task in cancelled.values { await task.value }
        cancelled = [:]
        guard var current = state else { return }
        // A lease the server assigned while the last update was being cancelled comes back in the reply to
        // the farewell: it is handed back in the next one.
        for _ in 0..<3 {
            for lease in current.running {
                var status = Google_Rpc_Status()
                status.code = Int32(RPCError.Code.unavailable.rawValue)
                status.message = "the worker stopped"
                current.complete(lease.id, result: nil, status: status)
            }
            let sent = current.outgoing(status: .botTerminating)
            let worker = worker
            // Owned and awaited here: the caller's task is cancelled, and these last calls must still go out.
            let farewell = Task { try await worker.update(sent, waiting: false) }
            do {
                let reply = try await farewell.value
                guard !current.apply(reply: reply, sent: sent).start.isEmpty else { return }
            } catch {
                configuration.log("stask worker: could not hand the session back (\(error))")
                return
            }
        }
    }
}
