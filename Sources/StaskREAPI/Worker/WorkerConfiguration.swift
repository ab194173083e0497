import Glibc
package import StaskCore

/// How a ``RemoteWorker`` connects and how much it runs at once.
package struct WorkerConfiguration: Sendable {
    /// The server's `grpc://HOST:PORT[/INSTANCE]`: its Bots service and its CAS, on the endpoint's instance.
    package var endpoint: RemoteCacheEndpoint
    /// Sent with every call (`authorization` metadata).
    package var credentials: RemoteCacheCredentials
    /// How many actions run at once (the bot session's `capacity`).
    package var capacity: Int
    /// Where each action gets a fresh directory of its own, removed after the action.
    package var workDirectory: String
    /// The bot's id, unique among the server's workers (``defaultBotID()``).
    package var botID: String
    /// The deadline of an `UpdateBotSession` that waits for work (the server waits 0.8 of it).
    package var pollTimeout: Duration = .seconds(30)
    /// How often the session is updated while actions run (the server drops a session silent for 60 s).
    package var keepAliveInterval: Duration = .seconds(10)
    /// How often a session that runs actions but has room for more asks for work (the server answers such
    /// updates at once instead of waiting for work).
    package var pollInterval: Duration = .seconds(1)
    /// The first wait after a failed call; doubled after each further failure up to ``maximumBackoff``.
    package var initialBackoff: Duration = .milliseconds(200)
    /// The longest wait between attempts to reach a server that is down.
    package var maximumBackoff: Duration = .seconds(10)
    /// Time between SIGTERM and SIGKILL when an action is cancelled or times out.
    package var gracePeriod: Duration = .seconds(2)
    /// The deadline of a call that moves little data (CAS calls get more for large transfers).
    package var callTimeout: Duration = .seconds(30)
    /// Writes one line about each action and about connection problems (standard error by default).
    package var log: @Sendable (String) -> Void

    /// A configuration with the defaults above.
    package init(
        endpoint: RemoteCacheEndpoint, credentials: RemoteCacheCredentials = .none, capacity: Int,
        workDirectory: String, botID: String = WorkerConfiguration.defaultBotID(),
        log: @escaping @Sendable (String) -> Void
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.capacity = max(1, capacity)
        self.workDirectory = workDirectory
        self.botID = botID
        self.log = log
    }

    /// `HOSTNAME-PID-RANDOM`: unique per worker process, and readable in the server's logs.
    package static func defaultBotID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host)-\(getpid())-\(random)"
    }

    /// The platform a worker offers: what BuildGrid matches actions' `OSFamily` and `ISA` against.
    static let platform: [(key: String, value: String)] = [("OSFamily", "linux"), ("ISA", "x86-64")]
}
