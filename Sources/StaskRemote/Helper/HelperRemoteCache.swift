package import StaskCore
import StaskPosix
import Synchronization

/// A ``RemoteCache`` served by the `stask-remote` helper: the gRPC client of `grpc://` caches and the TLS client
/// (async-http-client) of `https://` ones run in that program, so that the `stask` binary links no gRPC, NIO,
/// TLS or protobuf library and a build that uses no remote
/// feature does not pay for their start-up (the Swift runtime scans every protocol conformance record of a
/// binary on its first dynamic casts, and those libraries bring thousands).
///
/// - Start: the helper is started on the first lookup or upload, found by ``HelperLocation`` (beside `stask`,
///   or `STASK_REMOTE_HELPER`), with the configuration as arguments and the credentials in its environment
///   (never in its arguments, which any user may list).
/// - Requests: each ``restore(_:)`` and ``store(_:wallTime:)`` is one ``HelperMessage`` over a
///   ``HelperChannel``; the helper writes restored outputs itself and reads the ones it uploads.
/// - Failure: as for every remote cache, the build never breaks. A helper that is missing, cannot start, exits,
///   sends what this version does not understand, or does not answer within ``replyTimeout`` (longer than any
///   of its own calls may take) is one warning; the cache is then off for the rest of the build and the tasks
///   run locally. The helper's own warnings are passed on, each kind once.
///
/// **Concurrency.** Thread-safe and `Sendable`; the engine calls it from many tasks at once. Its state (the
/// channel, statistics, warned kinds) sits behind a `Mutex`; cancelling a caller returns it at once, silently.
package final class HelperRemoteCache: RemoteCache {
    /// The configuration in use.
    package let configuration: RemoteCacheConfiguration
    /// How long a request may wait for the helper's answer.
    package let replyTimeout: Duration
    private let helperPath: String?
    private let environment: [String: String]
    private let warn: @Sendable (RemoteCacheWarning) -> Void
    private let state = Mutex(State())

    private struct State {
        var channel: HelperChannel?
        var isDisabled = false
        /// The helper's counters, field by field the largest seen (replies may overtake each other).
        var helper = RemoteCacheStatistics()
        /// What happened on this side: lookups while the helper was off, failures to reach it.
        var local = RemoteCacheStatistics()
        var warned: Set<RemoteCacheWarning.Kind> = []
    }

    /// A client for one build; the helper starts with the first request.
    ///
    /// - Parameters:
    ///   - configuration: The server (a `grpc://` or `https://` endpoint) and options.
    ///   - helperPath: The helper program; `nil` when it cannot be located (then the first request warns).
    ///   - environment: The helper's environment, to which the credentials are added.
    ///   - replyTimeout: How long a request may wait for the helper; by default four times the longest call a
    ///     small request may make (connection and I/O time), plus a minute for transfers.
    ///   - warn: Receives each kind of ``RemoteCacheWarning`` once, from any thread.
    package init(
        configuration: RemoteCacheConfiguration, helperPath: String?, environment: [String: String],
        replyTimeout: Duration? = nil, warn: @escaping @Sendable (RemoteCacheWarning) -> Void
    ) {
        self.configuration = configuration
        self.helperPath = helperPath
        self.environment = environment
        self.replyTimeout =
            replyTimeout ?? (configuration.connectTimeout + configuration.ioTimeout) * 4 + .seconds(60)
        self.warn = warn
    }

    deinit {
        state.withLock { $0.channel }?.close()
    }

    /// What the cache did so far, here and in the helper.
    package var statistics: RemoteCacheStatistics {
        state.withLock { state in
            var total = state.helper
            total.hits += state.local.hits
            total.misses += state.local.misses
            total.bytesDownloaded += state.local.bytesDownloaded
            total.bytesUploaded += state.local.bytesUploaded
            total.errors += state.local.errors
            total.uploads += state.local.uploads
            return total
        }
    }

    /// Whether the cache turned itself off for this build.
    package var isDisabled: Bool {
        state.withLock { $0.isDisabled }
    }

    /// See ``RemoteCache/restore(_:)``.
    package func restore(_ action: RemoteCacheAction) async -> RestoredOutputs? {
        switch await ask(.restore(action)) {
        case .restored(let outputs, let statistics)?:
            merge(statistics)
            return outputs
        case .failed(let message)?:
            report(.serverError, message)
            state.withLock { $0.local.misses += 1 }
        case .stored, .warning, .executed, nil:
            state.withLock { $0.local.misses += 1 }
        }
        return nil
    }

    /// See ``RemoteCache/store(_:wallTime:)``.
    package func store(_ action: RemoteCacheAction, wallTime: Duration) async {
        guard configuration.isUploadEnabled else { return }
        switch await ask(.store(action, wallTime: wallTime)) {
        case .stored(let statistics)?: merge(statistics)
        case .failed(let message)?: report(.serverError, message)
        case .restored, .warning, .executed, nil: break
        }
    }

    // MARK: - The helper

    /// The helper's arguments for `configuration`.
    static func arguments(for configuration: RemoteCacheConfiguration) -> [String] {
        var arguments = [
            "cache", "--protocol", "\(HelperMessage.version)", "--endpoint", configuration.endpoint.description,
            "--upload", configuration.isUploadEnabled ? "true" : "false",
            "--connect-timeout-ns", "\(HelperMessage.nanoseconds(configuration.connectTimeout))",
            "--io-timeout-ns", "\(HelperMessage.nanoseconds(configuration.ioTimeout))",
        ]
        if let platform = configuration.platform { arguments += ["--platform", platform] }
        return arguments
    }

    /// The helper's environment: `environment` with exactly the configuration's credentials.
    static func helperEnvironment(
        _ environment: [String: String], credentials: RemoteCacheCredentials
    ) -> [String: String] {
        var result = environment
        for name in [
            RemoteCacheCredentials.tokenVariable, RemoteCacheCredentials.userVariable,
            RemoteCacheCredentials.passwordVariable,
        ] {
            result[name] = nil
        }
        switch credentials {
        case .none: break
        case .bearer(let token): result[RemoteCacheCredentials.tokenVariable] = token
        case .basic(let user, let password):
            result[RemoteCacheCredentials.userVariable] = user
            result[RemoteCacheCredentials.passwordVariable] = password
        }
        return result
    }

    /// Sends `request` and decodes the reply; `nil` when there is none (reported, except for cancellation).
    private func ask(_ request: HelperMessage.Request) async -> HelperMessage.Reply? {
        guard let channel = channel() else { return nil }
        switch await channel.request(request.encoded(), timeout: replyTimeout) {
        case .success(let bytes):
            do {
                return try HelperMessage.Reply(decoding: bytes)
            } catch {
                stop(because: error.description)
                return nil
            }
        case .failure(.cancelled):
            return nil
        case .failure(let failure):
            stop(because: failure.description)
            return nil
        }
    }

    /// The running helper, started on first use; `nil` when the cache is off.
    private func channel() -> HelperChannel? {
        let outcome = state.withLock { (state: inout State) -> Result<HelperChannel, HelperChannelFailure>? in
            if state.isDisabled { return nil }
            if let channel = state.channel { return .success(channel) }
            // Spawning under the lock: a few hundred microseconds, once per build, and it keeps a second
            // caller from starting a second helper.
            let warn = warn
            let forward: @Sendable ([UInt8]) -> Void = { [weak self] bytes in
                guard case .warning(let warning)? = try? HelperMessage.Reply(decoding: bytes) else { return }
                if let self {
                    self.report(warning.kind, warning.message, counts: false)
                } else {
                    warn(warning)
                }
            }
            let started = HelperLaunch.start(
                path: helperPath, arguments: Self.arguments(for: configuration), environment: environment,
                credentials: configuration.credentials, onMessage: forward)
            if case .success(let channel) = started { state.channel = channel }
            return started
        }
        switch outcome {
        case .success(let channel): return channel
        case .failure(let failure):
            stop(because: failure.description)
            return nil
        case nil: return nil
        }
    }

    /// Turns the cache off for the rest of the build, with one warning.
    private func stop(because reason: String) {
        let channel = state.withLock { state in
            state.isDisabled = true
            defer { state.channel = nil }
            return state.channel
        }
        channel?.close()
        report(.unreachable, "\(reason); continuing without the remote cache for this build")
    }

    private func merge(_ statistics: RemoteCacheStatistics) {
        state.withLock { state in
            state.helper.hits = max(state.helper.hits, statistics.hits)
            state.helper.misses = max(state.helper.misses, statistics.misses)
            state.helper.bytesDownloaded = max(state.helper.bytesDownloaded, statistics.bytesDownloaded)
            state.helper.bytesUploaded = max(state.helper.bytesUploaded, statistics.bytesUploaded)
            state.helper.errors = max(state.helper.errors, statistics.errors)
            state.helper.uploads = max(state.helper.uploads, statistics.uploads)
        }
    }

    /// Delivers a warning if it is the first of its kind; `counts` when the error is this side's (the helper
    /// counts its own).
    private func report(_ kind: RemoteCacheWarning.Kind, _ message: String, counts: Bool = true) {
        let isFirst = state.withLock { state in
            if counts { state.local.errors += 1 }
            return state.warned.insert(kind).inserted
        }
        if isFirst {
            warn(RemoteCacheWarning(kind: kind, endpoint: configuration.endpoint.description, message: message))
        }
    }
}
