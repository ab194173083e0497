import GRPCCore
import GRPCNIOTransportHTTP2Posix
import StaskCore
import StaskPosix
import SwiftProtobuf

/// A worker of a Remote Execution API cluster: takes actions from the server's Bots service (the Remote
/// Workers API, `google.devtools.remoteworkers.v1test2`) and runs them, up to `capacity` at once.
///
/// The session: `CreateBotSession` with a unique bot id, the platform (`OSFamily=linux`, `ISA=x86-64`) and
/// the capacity; then `UpdateBotSession` in a loop. With nothing running the update waits for work
/// (``WorkerConfiguration/pollTimeout``; the server holds it open); while actions run it is sent every
/// ``WorkerConfiguration/keepAliveInterval`` (every ``WorkerConfiguration/pollInterval`` when there is room for
/// more), and at once when an action finishes. A lease that vanishes from a reply is cancelled: its process
/// group is killed. A server that cannot be reached is retried with a doubling back-off, never in a tight loop;
/// a session the server no longer knows is replaced by a new one (its actions are killed: the server has
/// requeued them).
///
/// **Concurrency.** ``run()`` owns the session state; each action runs in a task of its own, stored by lease
/// id, that reports back through an event stream. Cancelling the task that called ``run()`` stops the worker:
/// no new leases, running actions killed and reported `UNAVAILABLE` (the server retries them elsewhere), the
/// session marked `BOT_TERMINATING`; `run()` returns when every action's process is gone.
///
/// ```swift
/// let worker = try RemoteWorker(configuration: configuration)
/// let task = Task { await worker.run() }
/// // … SIGTERM:
/// task.cancel()
/// await task.value
/// ```
package final class RemoteWorker: Sendable {
    typealias Session = Google_Devtools_Remoteworkers_V1test2_BotSession

    let configuration: WorkerConfiguration
    let connection: REAPIConnection
    let runner: ActionRunner

    /// A worker for `configuration`; nothing is sent before ``run()``.
    ///
    /// - Throws: `RPCError` when the endpoint's host cannot be turned into a target.
    package init(configuration: WorkerConfiguration) throws {
        self.configuration = configuration
        connection = try REAPIConnection(
            endpoint: configuration.endpoint, credentials: configuration.credentials,
            connectTimeout: configuration.callTimeout / 3, ioTimeout: configuration.callTimeout * 2 / 3)
        let store = ContentStore(connection: connection, batchLimit: ContentStore.batchLimit(serverLimit: 0))
        runner = ActionRunner(
            store: store, launcher: PosixProcessLauncher(outputMemoryLimit: 64 << 10, outputTailSize: 64 << 10),
            workDirectory: configuration.workDirectory, botID: configuration.botID,
            gracePeriod: configuration.gracePeriod)
    }

    /// Takes and runs actions until the calling task is cancelled.
    package func run() async {
        let (events, continuation) = AsyncStream.makeStream(of: WorkerEvent.self)
        // Owned here and cancelled below: wakes the loop to send keep-alives and to end back-offs.
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                continuation.yield(.tick)
            }
        }
        var loop = SessionLoop(worker: self, events: events, continuation: continuation)
        await withTaskCancellationHandler {
            await loop.run()
        } onCancel: {
            continuation.yield(.stop)
        }
        ticker.cancel()
        continuation.finish()
    }

    private var bots: Google_Devtools_Remoteworkers_V1test2_Bots.Client<HTTP2ClientTransport.Posix> {
        .init(wrapping: connection.client)
    }

    /// `CreateBotSession`: the server's session for this bot.
    func createSession() async throws -> Session {
        var device = Google_Devtools_Remoteworkers_V1test2_Device()
        device.handle = configuration.botID
        device.properties = WorkerConfiguration.platform.map { key, value in
            var property = Google_Devtools_Remoteworkers_V1test2_Device.Property()
            property.key = key
            property.value = value
            return property
        }
        var capacity = Google_Devtools_Remoteworkers_V1test2_Worker.Config()
        capacity.key = "capacity"
        capacity.value = "\(configuration.capacity)"
        var request = Google_Devtools_Remoteworkers_V1test2_CreateBotSessionRequest()
        request.parent = connection.instanceName
        request.botSession.botID = configuration.botID
        request.botSession.status = .ok
        request.botSession.worker.devices = [device]
        request.botSession.worker.configs = [capacity]
        // A deadline short enough that the server answers at once instead of waiting for work (BuildGrid waits
        // only when 0.8 of the deadline is 3 s or more): the session's name is then known before any lease is
        // assigned to it, so that a worker stopped at any moment can hand its leases back.
        var options = connection.options()
        options.timeout = .milliseconds(3500)
        return try await bots.createBotSession(request, metadata: connection.metadata, options: options)
    }

    /// `UpdateBotSession` with `session`; `waiting` when the server may hold it open until work comes.
    func update(_ session: Session, waiting: Bool) async throws -> Session {
        var request = Google_Devtools_Remoteworkers_V1test2_UpdateBotSessionRequest()
        request.name = session.name
        request.botSession = session
        return try await bots.updateBotSession(
            request, metadata: connection.metadata, options: options(waiting: waiting))
    }

    private func options(waiting: Bool) -> CallOptions {
        var options = connection.options()
        if waiting { options.timeout = configuration.pollTimeout }
        return options
    }
}

/// What wakes the session loop.
enum WorkerEvent: Sendable {
    /// An action's task ended.
    case finished(
        leaseID: String, outcome: ActionRunner.Outcome, actionDigest: Build_Bazel_Remote_Execution_V2_Digest,
        duration: Duration)
    /// Time passed (a keep-alive or a back-off may be due).
    case tick
    /// The worker was asked to stop.
    case stop
}
