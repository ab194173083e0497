import Glibc
import StaskCore
import Synchronization

/// Requests to a helper program over its standard input and output, in ``HelperFrame``s: the `stask` side of
/// the `stask-remote` helper, which holds the gRPC clients so that `stask` itself does not link them.
///
/// ```swift
/// let channel = try HelperChannel.start(executable: path, arguments: ["serve"], onMessage: { _ in })
/// switch await channel.request(body, timeout: .seconds(60)) { … }
/// ```
///
/// **Contract.**
/// - One dedicated thread (a pthread, never the cooperative pool) owns the pipes: it writes queued requests,
///   reads replies and resumes each request's continuation exactly once, outside the lock; it also enforces
///   every request's deadline. ``request(_:timeout:)`` and ``close()`` may be called from any task or thread.
/// - Replies may come in any order: each carries its request's id. A frame with id 0 is a message nobody asked
///   for (a warning); it goes to `onMessage`, on the channel's thread, in the order sent, and before any reply
///   sent after it.
/// - Failure is final: the helper exiting or closing its output, a malformed frame, or a request past its
///   deadline (the helper is hung) ends the channel: the helper is killed (SIGKILL to its process group) and
///   reaped, and every pending and later request fails with the same ``HelperChannelFailure``.
/// - Cancelling a request's task resumes it at once with ``HelperChannelFailure/cancelled``; the helper's late
///   reply is dropped.
/// - ``close()`` (also on release) closes the helper's input, which tells it to finish; the thread then reaps it,
///   killing it if it has not exited after ``closeGracePeriod``. A helper whose parent dies sees its input close
///   the same way; when this process exits normally, it reaps every helper still running first
///   (``LiveHelpers``), so none is left behind.
package final class HelperChannel: Sendable {
    private let storage: HelperChannelStorage

    /// How long a closed helper may take to exit before it is killed.
    package static let closeGracePeriod: Duration = .seconds(2)

    private init(storage: HelperChannelStorage) {
        self.storage = storage
    }

    deinit {
        storage.close()
    }

    /// Starts `executable` with `arguments` and `environment` (this process's when `nil`), its standard input and
    /// output on pipes to this process, its standard error inherited, in a process group of its own (so that a
    /// terminal's Ctrl-C reaches stask, which then closes the channel, not the helper in mid-request).
    ///
    /// - Parameter onMessage: Receives each unsolicited frame's body, on the channel's thread.
    /// - Throws: ``HelperChannelFailure/cannotStart(path:errno:)`` when it cannot be spawned (most often: there is
    ///   no such file).
    package static func start(
        executable: String, arguments: [String], environment: [String: String]? = nil,
        onMessage: @escaping @Sendable ([UInt8]) -> Void
    ) throws(HelperChannelFailure) -> HelperChannel {
        guard let toHelper = SystemCalls.makeOutputPipe() else {
            throw .cannotStart(path: executable, errno: errno)
        }
        guard let fromHelper = SystemCalls.makeOutputPipe() else {
            let code = errno
            SystemCalls.closeDescriptor(toHelper.read)
            SystemCalls.closeDescriptor(toHelper.write)
            throw .cannotStart(path: executable, errno: code)
        }
        // The helper blocks on its input; this side polls both ends.
        _ = fcntl(toHelper.read, F_SETFL, 0)
        _ = fcntl(toHelper.write, F_SETFL, O_NONBLOCK)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toHelper.read, 0)  // dup2 clears close-on-exec
        posix_spawn_file_actions_adddup2(&actions, fromHelper.write, 1)
        let attributes = PreparedAttributes()
        let argv = CStringArray([executable] + arguments)
        var variables: [String] = []
        if let environment {
            variables = environment.map { "\($0.key)=\($0.value)" }
        } else {
            var entry = environ
            while let pointer = entry.pointee {
                variables.append(String(cString: pointer))
                entry += 1
            }
        }
        let envp = CStringArray(variables)
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, attributes.pointer, argv.pointers, envp.pointers)
        SystemCalls.closeDescriptor(toHelper.read)
        SystemCalls.closeDescriptor(fromHelper.write)
        guard status == 0 else {
            SystemCalls.closeDescriptor(toHelper.write)
            SystemCalls.closeDescriptor(fromHelper.read)
            throw .cannotStart(path: executable, errno: status)
        }
        guard let wake = WakePipe() else {
            let code = errno
            kill(-pid, SIGKILL)
            var ignored: Int32 = 0
            waitpid(pid, &ignored, 0)
            SystemCalls.closeDescriptor(toHelper.write)
            SystemCalls.closeDescriptor(fromHelper.read)
            throw .cannotStart(path: executable, errno: code)
        }
        let storage = HelperChannelStorage(
            pid: pid, input: toHelper.write, output: fromHelper.read, wake: wake, onMessage: onMessage)
        if let code = DedicatedThread.startReportingError({ storage.serve() }) {
            storage.abandon(errno: code)
            throw .cannotStart(path: executable, errno: code)
        }
        return HelperChannel(storage: storage)
    }

    /// Sends `body` and waits for the reply's body, at most `timeout`.
    ///
    /// - Returns: The reply, or the channel's failure (``HelperChannelFailure/unresponsive(_:)`` when this
    ///   request's deadline passed: the helper is then stopped for every request).
    package func request(_ body: [UInt8], timeout: Duration) async -> Result<[UInt8], HelperChannelFailure> {
        await storage.request(body, timeout: timeout)
    }

    /// Tells the helper to finish (closes its input); pending requests fail with ``HelperChannelFailure/closed``.
    package func close() {
        storage.close()
    }

    /// The helper's process id, for tests.
    package var processID: Int32 { storage.pid }
}

/// Why a helper request got no reply.
package enum HelperChannelFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The helper could not be spawned (`errno`).
    case cannotStart(path: String, errno: Int32)
    /// The helper could not be looked for (this process's own executable cannot be read).
    case notLocated(String)
    /// The helper exited or closed its output; `status` is how it ended, when known.
    case exited(status: String)
    /// A request waited past its deadline.
    case unresponsive(Duration)
    /// The helper sent something that is not a frame of this version.
    case malformed(String)
    /// The channel was closed by this side.
    case closed
    /// The request's task was cancelled.
    case cancelled

    package var description: String {
        switch self {
        case .cannotStart(let path, let code):
            "cannot start the helper '\(path)': \(SystemCalls.errorMessage(code))"
        case .notLocated(let name): "cannot find the helper '\(name)' (/proc/self/exe cannot be read)"
        case .exited(let status): "the helper \(status)"
        case .unresponsive(let timeout): "the helper did not answer within \(timeout); it was stopped"
        case .malformed(let reason): reason
        case .closed: "the helper was closed"
        case .cancelled: "cancelled"
        }
    }
}
