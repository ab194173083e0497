package import StaskCore
import StaskPosix
import Synchronization

/// A ``RemoteCache`` over Bazel's HTTP cache protocol, on any ``HTTPCacheTransport``: `GET`/`PUT /ac/<key>` for manifests and
/// `GET`/`HEAD`/`PUT /cas/<sha256>` for output contents, as bazel-remote, nginx with WebDAV `PUT`, or an
/// object store behind a proxy serve it.
///
/// - Keys: `RemoteCacheKey` for `/ac/`, the SHA-256 of the contents for `/cas/`.
/// - Entries: `CacheManifest` (a Bazel `ActionResult`).
/// - Restoring: the manifest must list exactly the task's declared outputs; every blob is checked for size
///   and SHA-256 before any output is written; empty outputs are not fetched.
/// - Storing: blobs first (skipped when `HEAD` finds them), then the manifest; never for failed tasks
///   (the engine's part), never when ``RemoteCacheConfiguration/isUploadEnabled`` is off.
/// - Failure: see ``RemoteCacheWarning/Kind-swift.enum``. An unreachable or silent server turns the cache
///   off for the rest of the build, so a dead server costs at most one timeout, not one per task. Other
///   failures only skip the task at hand.
///
/// **Concurrency.** Thread-safe and `Sendable`: the engine calls it from many tasks at once. Each call
/// runs its network and file work on a `DedicatedThread` (never on the cooperative pool) and suspends
/// the caller meanwhile; cancelling the caller shuts the socket down and the call returns at once.
/// Statistics and the warned kinds sit behind a `Mutex`; warnings are delivered outside it, possibly
/// from the dedicated threads, in no particular order.
///
/// ```swift
/// let cache = HTTPRemoteCache(configuration: configuration) { warning in
///     print("warning: \(warning)")
/// }
/// if let restored = await cache.restore(action) { /* record up to date, skip the command */ }
/// ```
package final class HTTPRemoteCache: RemoteCache {
    /// The largest manifest accepted (a manifest lists a few paths and digests).
    static let maximumManifestSize = 16 << 20

    /// The configuration in use.
    package let configuration: RemoteCacheConfiguration
    let transport: any HTTPCacheTransport
    private let warn: @Sendable (RemoteCacheWarning) -> Void
    private let state = Mutex(State())

    private struct State {
        var statistics = RemoteCacheStatistics()
        var warned: Set<RemoteCacheWarning.Kind> = []
        var isDisabled = false
    }

    /// A cache client for one build, on the hand-written plain-HTTP ``HTTPClient``.
    ///
    /// - Parameters:
    ///   - configuration: The server and options.
    ///   - warn: Receives each kind of ``RemoteCacheWarning`` once, from any thread.
    package convenience init(
        configuration: RemoteCacheConfiguration, warn: @escaping @Sendable (RemoteCacheWarning) -> Void
    ) {
        let client = HTTPClient(
            endpoint: configuration.endpoint, credentials: configuration.credentials,
            connectTimeout: configuration.connectTimeout, ioTimeout: configuration.ioTimeout)
        self.init(configuration: configuration, transport: client, warn: warn)
    }

    /// A cache client for one build on `transport`, which must speak to `configuration`'s endpoint with its
    /// credentials and timeouts.
    ///
    /// - Parameters:
    ///   - configuration: The server and options.
    ///   - transport: Sends the requests.
    ///   - warn: Receives each kind of ``RemoteCacheWarning`` once, from any thread.
    package init(
        configuration: RemoteCacheConfiguration, transport: any HTTPCacheTransport,
        warn: @escaping @Sendable (RemoteCacheWarning) -> Void
    ) {
        self.configuration = configuration
        self.transport = transport
        self.warn = warn
    }

    /// What the cache did so far.
    package var statistics: RemoteCacheStatistics {
        state.withLock { $0.statistics }
    }

    /// Whether the cache turned itself off for this build (unreachable server, no SHA-256).
    package var isDisabled: Bool {
        state.withLock { $0.isDisabled }
    }

    /// See ``RemoteCache/restore(_:)``.
    package func restore(_ action: RemoteCacheAction) async -> RestoredOutputs? {
        if isDisabled {
            count { $0.misses += 1 }
            return nil
        }
        let cancellation = IOCancellation()
        return await withTaskCancellationHandler {
            await DedicatedThread.run { self.restoreBlocking(action, cancellation: cancellation) }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// See ``RemoteCache/store(_:wallTime:)``.
    package func store(_ action: RemoteCacheAction, wallTime: Duration) async {
        guard configuration.isUploadEnabled, !isDisabled else { return }
        let cancellation = IOCancellation()
        await withTaskCancellationHandler {
            await DedicatedThread.run { self.storeBlocking(action, wallTime: wallTime, cancellation: cancellation) }
        } onCancel: {
            cancellation.cancel()
        }
    }

    // MARK: - Shared by the restore and store paths

    /// The `/ac/` key of `action`.
    func cacheKey(of action: RemoteCacheAction) -> SHA256Digest {
        RemoteCacheKey.digest(actionKey: action.actionKey, platform: configuration.platform ?? RemotePlatform.current)
    }

    /// Sends `request`; on a transport failure, reports it (turning the cache off when the server is
    /// unreachable) and returns `nil`. A cancelled request returns `nil` silently.
    func send(_ request: HTTPRequest, cancellation: IOCancellation) -> HTTPResponse? {
        if isDisabled { return nil }
        do {
            return try transport.send(request, cancellation: cancellation)
        } catch {
            reportTransportFailure(error, of: request)
            return nil
        }
    }

    /// Reports a failed exchange: unreachable servers turn the cache off; cancellation is silent.
    func reportTransportFailure(_ error: HTTPClientError, of request: HTTPRequest) {
        let what = "\(request.method.rawValue) \(request.target)"
        if error == .cancelled {
            return
        } else if error.isUnreachable {
            report(.unreachable, "\(error); continuing without the remote cache for this build", disabling: true)
        } else {
            report(.serverError, "\(what): \(error)")
        }
    }

    /// Reports an unexpected status.
    func reportStatus(_ response: HTTPResponse, of request: HTTPRequest) {
        var message = "\(request.method.rawValue) \(request.target) answered \(response.status) \(response.reason)"
        if response.status == 401 || response.status == 403 {
            message +=
                " (check \(RemoteCacheCredentials.tokenVariable), or \(RemoteCacheCredentials.userVariable) and "
                + "\(RemoteCacheCredentials.passwordVariable))"
        }
        report(.serverError, message)
    }

    /// Counts an error and delivers the warning if it is the first of its kind.
    func report(_ kind: RemoteCacheWarning.Kind, _ message: String, disabling: Bool = false) {
        let isFirst = state.withLock { state in
            state.statistics.errors += 1
            if disabling { state.isDisabled = true }
            return state.warned.insert(kind).inserted
        }
        if isFirst {
            warn(RemoteCacheWarning(kind: kind, endpoint: configuration.endpoint.description, message: message))
        }
    }

    /// Updates the statistics.
    func count(_ update: (inout RemoteCacheStatistics) -> Void) {
        state.withLock { update(&$0.statistics) }
    }
}
