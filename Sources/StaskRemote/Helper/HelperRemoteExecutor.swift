package import StaskCore
import StaskPosix
import Synchronization

/// A ``RemoteExecutor`` served by the `stask-remote` helper, which holds the Remote Execution API client (gRPC),
/// so that the `stask` binary links none of its libraries.
///
/// - Start: the helper is started on the first request (`stask-remote execute …`), found by ``HelperLocation``,
///   with the credentials in its environment (never in its arguments).
/// - Requests: each ``execute(_:)`` is one ``HelperMessage`` over a ``HelperChannel``; the helper reads the
///   inputs and writes the outputs itself.
/// - Failure: a helper that is missing, cannot start, exits or sends what this version does not understand is
///   one warning; the executor is then off for the rest of the build and every instance runs locally (or fails,
///   under `--remote-only`). The helper's own warnings are passed on as they come.
/// - End: ``finish()`` closes the helper's input; the helper then cancels the operations still running on the
///   cluster and exits.
///
/// **Concurrency.** Thread-safe and `Sendable`; its state sits behind a `Mutex`.
package final class HelperRemoteExecutor: RemoteExecutor {
    /// The configuration in use.
    package let configuration: RemoteExecutionConfiguration
    private let helperPath: String?
    private let environment: [String: String]
    private let warn: @Sendable (String) -> Void
    private let state = Mutex(State())

    private struct State {
        var channel: HelperChannel?
        var isDisabled = false
        var helper = RemoteExecutionStatistics()
        var localFallbacks = 0
        var localErrors = 0
    }

    /// An executor for one build; the helper starts with the first request.
    ///
    /// - Parameters:
    ///   - helperPath: The helper program; `nil` when it cannot be located (then the first request warns).
    ///   - environment: The helper's environment, to which the credentials are added.
    ///   - warn: Receives the warnings, from any thread.
    package init(
        configuration: RemoteExecutionConfiguration, helperPath: String?, environment: [String: String],
        warn: @escaping @Sendable (String) -> Void
    ) {
        self.configuration = configuration
        self.helperPath = helperPath
        self.environment = environment
        self.warn = warn
    }

    deinit {
        state.withLock { $0.channel }?.close()
    }

    /// See ``RemoteExecutor/statistics``.
    package var statistics: RemoteExecutionStatistics {
        state.withLock { state in
            var total = state.helper
            total.local += state.localFallbacks
            total.errors += state.localErrors
            // Under --remote-only nothing the cluster could not run ran here: it failed.
            if configuration.isRemoteOnly { total.local = 0 }
            return total
        }
    }

    /// See ``RemoteExecutor/isDisabled``.
    package var isDisabled: Bool {
        state.withLock { $0.isDisabled }
    }

    /// See ``RemoteExecutor/execute(_:)``.
    package func execute(_ request: RemoteExecutionRequest) async -> RemoteExecutionResult {
        guard let channel = channel() else { return .unavailable("the remote executor is off for this build") }
        // The helper bounds every call to the cluster (Execute: the action's timeout, or an hour, plus ten
        // minutes; a few waits and one resend at most); this bounds a helper that hangs, well beyond all of them,
        // so that it never cuts short an action the helper still follows.
        let timeout = (request.timeout ?? .seconds(3600)) * 10 + .seconds(7200)
        switch await channel.request(HelperMessage.Request.execute(request).encoded(), timeout: timeout) {
        case .success(let bytes):
            switch try? HelperMessage.Reply(decoding: bytes) {
            case .executed(let result, let statistics)?:
                merge(statistics)
                return result
            case .failed(let message)?:
                return stop(because: "the remote execution helper failed: \(message)")
            default:
                return stop(because: "the remote execution helper's reply is not understood")
            }
        case .failure(.cancelled):
            return .cancelled
        case .failure(let failure):
            return stop(because: failure.description)
        }
    }

    /// See ``RemoteExecutor/finish()``.
    package func finish() async {
        let channel = state.withLock { state in
            defer { state.channel = nil }
            return state.channel
        }
        channel?.close()
    }

    /// The helper's arguments for `configuration`.
    static func arguments(for configuration: RemoteExecutionConfiguration) -> [String] {
        [
            "execute", "--protocol", "\(HelperMessage.version)", "--endpoint", configuration.endpoint.description,
            "--instance", configuration.instanceName,
            "--connect-timeout-ns", "\(HelperMessage.nanoseconds(configuration.connectTimeout))",
            "--io-timeout-ns", "\(HelperMessage.nanoseconds(configuration.ioTimeout))",
        ]
    }

    /// The running helper, started on first use; `nil` when the executor is off.
    private func channel() -> HelperChannel? {
        let outcome = state.withLock { (state: inout State) -> Result<HelperChannel, HelperChannelFailure>? in
            if state.isDisabled { return nil }
            if let channel = state.channel { return .success(channel) }
            let warn = warn
            let configuration = configuration
            let forward: @Sendable ([UInt8]) -> Void = { [weak self] bytes in
                guard case .warning(let warning)? = try? HelperMessage.Reply(decoding: bytes) else { return }
                // The helper turned itself off: later tasks need not wait for a slot to hear so.
                if warning.kind == .unreachable { self?.state.withLock { $0.isDisabled = true } }
                warn(Self.warningText(warning, configuration: configuration))
            }
            // Spawned under the lock, once per build: a second caller must not start a second helper.
            let started = HelperLaunch.start(
                path: helperPath, arguments: Self.arguments(for: configuration), environment: environment,
                credentials: configuration.credentials, onMessage: forward)
            if case .success(let channel) = started { state.channel = channel }
            return started
        }
        switch outcome {
        case .success(let channel): return channel
        case .failure(let failure):
            _ = stop(because: failure.description)
            return nil
        case nil:
            state.withLock { $0.localFallbacks += 1 }
            return nil
        }
    }

    /// A warning of the helper, with what follows from it here.
    static func warningText(_ warning: RemoteCacheWarning, configuration: RemoteExecutionConfiguration) -> String {
        let consequence =
            switch (warning.kind, configuration.isRemoteOnly) {
            case (.unreachable, false): "running the tasks left here"
            case (.unreachable, true): "the tasks left to run fail (--remote-only)"
            case (_, false): "running the task here"
            case (_, true): "the task fails (--remote-only)"
            }
        return "remote executor \(warning.endpoint): \(warning.message); \(consequence)"
    }

    /// Turns the executor off for the rest of the build, with one warning.
    private func stop(because reason: String) -> RemoteExecutionResult {
        let (channel, isFirst) = state.withLock { state in
            let isFirst = !state.isDisabled
            state.isDisabled = true
            state.localErrors += 1
            state.localFallbacks += 1
            defer { state.channel = nil }
            return (state.channel, isFirst)
        }
        channel?.close()
        if isFirst {
            warn(
                "remote executor \(configuration.endpoint): \(reason); "
                    + (configuration.isRemoteOnly
                        ? "the tasks left to run fail (--remote-only)" : "running the tasks left here"))
        }
        return .unavailable(reason)
    }

    private func merge(_ statistics: RemoteExecutionStatistics) {
        state.withLock { state in
            state.helper.executed = max(state.helper.executed, statistics.executed)
            state.helper.cached = max(state.helper.cached, statistics.cached)
            state.helper.local = max(state.helper.local, statistics.local)
            state.helper.errors = max(state.helper.errors, statistics.errors)
            state.helper.bytesUploaded = max(state.helper.bytesUploaded, statistics.bytesUploaded)
            state.helper.bytesDownloaded = max(state.helper.bytesDownloaded, statistics.bytesDownloaded)
        }
    }
}
