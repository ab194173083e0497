import Foundation
import StaskCore
import StaskPosix
import StaskTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP cache server for tests: nginx with WebDAV `PUT` on a free loopback port, run from a
/// generated configuration in a temporary directory (`nginx -p DIR -c CONF -g 'daemon off;'`) as a child
/// process, single-process (`master_process off`) so that stopping it stops everything.
///
/// Served paths: `/` stores and serves files under ``dataDirectory`` (GET, HEAD, PUT with
/// `create_full_put_path`); `/broken/` answers 500 to everything; `/private/` is like `/` but answers
/// 401 unless `Authorization: Bearer s3cret`. The access log records method, URI, status, connection
/// serial and the `Authorization` header, one request per line.
///
/// Nothing here blocks the cooperative pool: nginx runs under stask's own ``PosixProcessLauncher`` (its
/// monitor thread waits for and reaps the child, which inherits none of our descriptors), and the port is
/// polled on a thread of its own. Every wait has a deadline.
///
/// Tests that need it are enabled only when ``executable`` is found (`apt-get install nginx-light`, which
/// `scripts/ensure-deps` does).
final class NginxServer: Sendable {
    /// The nginx binary, if installed.
    static let executable: String? = [
        "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx",
        "/opt/homebrew/bin/nginx", "/usr/local/bin/nginx",
    ].first { access($0, X_OK) == 0 }

    /// Why the nginx tests are skipped, for `.enabled(if:_:)`.
    static let missingComment: Comment =
        "nginx not found: install it (apt-get install nginx-light, or run scripts/ensure-deps) to run these tests"

    /// The token `/private/` accepts.
    static let token = "s3cret"

    /// Runs every nginx of the test process.
    private static let launcher = PosixProcessLauncher()
    /// `nginx -V`'s output, once known.
    private static let buildOptions = Mutex<String?>(nil)

    let directory: String
    let port: Int32
    /// Whether nginx speaks TLS, with a certificate for 127.0.0.1 signed by the test CA ``caFile``.
    let isTLS: Bool
    /// Runs nginx until cancelled (then the launcher sends SIGTERM, and SIGKILL a second later).
    private let running: Task<Void, Never>
    private let exit: ExitNotice

    /// Where `/` stores its files.
    var dataDirectory: String { directory + "/data" }
    /// `http://127.0.0.1:PORT`, or `https://` when it speaks TLS.
    var url: String { (isTLS ? "https" : "http") + "://127.0.0.1:\(port)" }
    /// The PEM certificate of the CA, made for this server alone, that signed a TLS server's certificate.
    var caFile: String { directory + "/ca.pem" }

    private init(directory: String, port: Int32, isTLS: Bool, running: Task<Void, Never>, exit: ExitNotice) {
        self.directory = directory
        self.port = port
        self.isTLS = isTLS
        self.running = running
        self.exit = exit
    }

    /// Starts nginx on a free loopback port and waits until it accepts connections.
    ///
    /// nginx exits when the port was taken between choosing it and binding it: then the next port is tried,
    /// five at most. Each wait for nginx to listen lasts 10 s at most; past that the start fails.
    ///
    /// - Parameter tls: Serve `https://`, with a CA and a server certificate that `openssl` makes first.
    static func start(tls: Bool = false) async throws -> NginxServer {
        let directory = try makeDirectory()
        do {
            try FileManager.default.createDirectory(
                atPath: directory + "/data/private", withIntermediateDirectories: true)
            let options = try await nginxBuildOptions(in: directory)
            if tls { try await TestCertificates.make(in: directory) }
            var ending = ""
            for _ in 0..<5 {
                let port = try freePort()
                try writeConfiguration(in: directory, port: port, tls: tls, buildOptions: options)
                let spec = ProcessSpec(
                    arguments: [
                        executable!, "-p", directory, "-e", directory + "/error.log", "-c", directory + "/nginx.conf",
                    ],
                    environment: [:], workingDirectory: directory, gracePeriod: .seconds(1))
                let exit = ExitNotice()
                let running = Task {
                    do {
                        exit.finish("\(try await launcher.run(spec).termination)")
                    } catch {
                        exit.finish("\(error)")
                    }
                }
                let isListening: Bool
                do {
                    // Generous: while the whole suite runs (compilers and test runners of the end-to-end tests
                    // included), nginx has been seen to take over 10 s to start listening on 2 cores.
                    isListening = try await OffPool.run("nginx to listen on port \(port)", timeout: .seconds(50)) {
                        try waitUntilListening(port: port, exit: exit, timeout: .seconds(45))
                    }
                } catch {
                    running.cancel()
                    _ = await waitForEnd(of: exit, timeout: .seconds(10))
                    throw error
                }
                if isListening {
                    return NginxServer(directory: directory, port: port, isTLS: tls, running: running, exit: exit)
                }
                ending = exit.ending ?? ""
            }
            let errorLog = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
            throw HarnessError("nginx did not start on any of 5 ports (last one \(ending)): \(errorLog)")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit {
        // No wait here (``stop()`` waits): the launcher kills and reaps nginx, and the directory goes once
        // nginx has ended.
        running.cancel()
        let directory = directory
        exit.whenEnded { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The server ``NginxScope`` started for the running test.
    @TaskLocal static var current: NginxServer?

    /// Stops nginx and waits until it has exited (10 s at most, else the test fails); connections are
    /// refused afterwards. Idempotent.
    func stop() async {
        running.cancel()
        if !(await Self.waitForEnd(of: exit, timeout: .seconds(10))) {
            Issue.record("gave up after 10 s waiting for nginx on port \(port) to exit once stopped")
        }
    }

    /// The access log's lines so far.
    func accessLog() -> [String] {
        let text = (try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// The path of the stored file for `target` (`/cas/…` under `/`).
    func storedPath(_ target: String) -> String {
        dataDirectory + target
    }

    // MARK: - Start-up

    private static func writeConfiguration(in directory: String, port: Int32, tls: Bool, buildOptions: String) throws {
        let listen =
            tls
            ? "listen 127.0.0.1:\(port) ssl;\n    ssl_certificate \(directory)/server.pem;\n"
                + "    ssl_certificate_key \(directory)/server.key;"
            : "listen 127.0.0.1:\(port);"
        var temporaryPaths = "client_body_temp_path \(directory)/body;\n"
        for module in ["proxy", "fastcgi", "uwsgi", "scgi"]
        where !buildOptions.contains("--without-http_\(module)_module") {
            temporaryPaths += "  \(module)_temp_path \(directory)/\(module);\n"
        }
        let configuration = """
            master_process off;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 256; }
            http {
              \(temporaryPaths)
              log_format stask '$request_method $uri $status conn=$connection auth="$http_authorization"';
              access_log \(directory)/access.log stask;
              server {
                \(listen)
                root \(directory)/data;
                client_max_body_size 0;
                keepalive_requests 10000;
                location / { dav_methods PUT; create_full_put_path on; }
                location /broken/ { return 500; }
                location /private/ {
                  if ($http_authorization != "Bearer \(Self.token)") { return 401; }
                  dav_methods PUT; create_full_put_path on;
                }
              }
            }
            """
        try configuration.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
    }

    /// `nginx -V`'s output: its configure flags say which modules are left out (and take no temporary path).
    private static func nginxBuildOptions(in directory: String) async throws -> String {
        if let known = buildOptions.withLock({ $0 }) { return known }
        let result = try await launcher.run(
            ProcessSpec(
                arguments: [executable!, "-V"], environment: [:], workingDirectory: directory,
                timeout: .seconds(10)))
        guard result.termination.isSuccess else {
            throw HarnessError("nginx -V (run for its build options, 10 s at most): \(result.termination)")
        }
        let options = String(decoding: result.output, as: UTF8.self)
        buildOptions.withLock { $0 = options }
        return options
    }

    /// Polls until the port accepts a connection (`true`) or nginx has ended (`false`, e.g. the port was
    /// taken); blocks, so it runs off the cooperative pool.
    private static func waitUntilListening(port: Int32, exit: ExitNotice, timeout: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if exit.ending != nil { return false }
            if canConnect(port: port) { return true }
            usleep(5_000)
        }
        throw HarnessError("gave up after \(timeout) waiting for nginx to listen on 127.0.0.1:\(port)")
    }

    /// Waits until nginx has ended (`true`), at most `timeout` (`false`).
    private static func waitForEnd(of exit: ExitNotice, timeout: Duration) async -> Bool {
        let slot = OneShot<Bool>()
        exit.whenEnded { slot.fill(true) }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                slot.fill(false)
            }
            let hasEnded = await withCheckedContinuation { slot.install($0) }
            group.cancelAll()
            return hasEnded
        }
    }

    // MARK: - Sockets

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket: errno \(errno)") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw HarnessError("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int32(UInt16(bigEndian: address.sin_port))
    }

    static func loopback(port: Int32) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    private static func canConnect(port: Int32) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func makeDirectory() throws -> String {
        var template = Array("/tmp/stask-nginx-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HarnessError("mkdtemp: errno \(errno)")
        }
        return String(cString: made)
    }
}

/// Gives each test of a suite an nginx of its own (``NginxServer/current``, read by the suite's
/// initializer), and stops it after the test, waiting until it has exited: no nginx outlives its test, not
/// even the run's last (whose process may exit before a server released in `deinit` is gone).
struct NginxScope: SuiteTrait, TestTrait, TestScoping {
    /// Whether the servers speak TLS (``NginxServer/start(tls:)``).
    var isTLS = false

    var isRecursive: Bool { true }

    // `@concurrent`: the requirement's closure type; this module's async closures are otherwise
    // nonisolated(nonsending), which does not match it.
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable @concurrent () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        let server = try await NginxServer.start(tls: isTLS)
        do {
            try await NginxServer.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == NginxScope {
    /// Runs each test with an nginx of its own: see ``NginxScope``.
    static var nginx: Self { NginxScope() }

    /// Runs each test with an nginx of its own that speaks TLS: see ``NginxScope``.
    static var nginxTLS: Self { NginxScope(isTLS: true) }
}

/// How nginx ended, once it has, and what to do then.
private final class ExitNotice: Sendable {
    private struct State {
        var ending: String?
        var callbacks: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    /// How nginx ended (its termination, or why it could not run); `nil` while it runs.
    var ending: String? { state.withLock { $0.ending } }

    /// Records how nginx ended and runs the callbacks waiting for it.
    func finish(_ ending: String) {
        let callbacks = state.withLock { state in
            state.ending = ending
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks { callback() }
    }

    /// Runs `callback` once nginx has ended: at once if it has, else on the thread that sees it end.
    func whenEnded(_ callback: @escaping @Sendable () -> Void) {
        let hasEnded = state.withLock { state in
            guard state.ending == nil else { return true }
            state.callbacks.append(callback)
            return false
        }
        if hasEnded { callback() }
    }
}
