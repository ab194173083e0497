/// How a build uses a remote execution cluster: where it is, how many actions may run there at once, and what
/// happens when it cannot be used.
package struct RemoteExecutionConfiguration: Sendable, Hashable {
    /// The cluster's `grpc://HOST:PORT[/INSTANCE]` endpoint; ``instanceName`` wins over its path.
    package var endpoint: RemoteCacheEndpoint
    /// The REAPI instance name every request names (`--remote-instance`, else the endpoint's path).
    package var instanceName: String
    /// How many actions may run on the cluster at once (`--remote-jobs`).
    package var jobs: Int
    /// Whether an instance the cluster cannot run fails instead of running locally (`--remote-only`).
    package var isRemoteOnly: Bool
    /// Sent with every call (`STASK_REMOTE_CACHE_TOKEN`, or `_USER` and `_PASSWORD`).
    package var credentials: RemoteCacheCredentials
    /// How long a connection may take to open.
    package var connectTimeout: Duration
    /// How long a call that moves little data may take once connected.
    package var ioTimeout: Duration

    /// The default of ``jobs``: a cluster's workers are many, but a build's uploads and downloads go through
    /// this machine.
    package static let defaultJobs = 16

    package init(
        endpoint: RemoteCacheEndpoint, instanceName: String? = nil, jobs: Int = defaultJobs,
        isRemoteOnly: Bool = false, credentials: RemoteCacheCredentials = .none,
        connectTimeout: Duration = .seconds(5), ioTimeout: Duration = .seconds(30)
    ) {
        self.endpoint = endpoint
        self.instanceName = instanceName ?? endpoint.instanceName
        self.jobs = jobs
        self.isRemoteOnly = isRemoteOnly
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
    }
}

/// Which remote execution cluster a build uses: `--remote-executor URL` or `STASK_REMOTE_EXECUTOR` (the
/// command line wins), else the Taskfile's `remote: {executor: …}`; `off` turns the Taskfile's off.
package enum RemoteExecutorSelection: Sendable, Hashable {
    /// The Taskfile's `remote:` section, or none (the default).
    case fromTaskfile
    /// No remote execution, whatever the Taskfile says.
    case off
    /// This cluster.
    case server(RemoteCacheEndpoint)

    /// Parses a command-line or environment value: `off`, or a `grpc://` URL.
    ///
    /// - Throws: `RemoteCacheError.invalidURL`, also for an `http://` URL (a cache, not a cluster).
    package init(parsing text: String) throws(RemoteCacheError) {
        if text == "off" {
            self = .off
            return
        }
        let endpoint = try RemoteCacheEndpoint(parsing: text)
        guard endpoint.scheme == .grpc else {
            throw .invalidURL(url: text, reason: "a remote executor is a grpc:// endpoint (the Remote Execution API)")
        }
        self = .server(endpoint)
    }
}
