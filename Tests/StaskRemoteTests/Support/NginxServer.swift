import Foundation
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
/// Tests that need it are enabled only when ``executable`` is found (`apt-get install nginx-light`, which
/// `scripts/ensure-deps` does).
final class NginxServer: @unchecked Sendable {
    // @unchecked Sendable: `pid` changes only in start/stop, which one test calls from one task.

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

    let directory: String
    private(set) var port: Int32 = 0
    private var pid: pid_t = 0

    /// Where `/` stores its files.
    var dataDirectory: String { directory + "/data" }
    /// `http://127.0.0.1:PORT`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts nginx and waits until it accepts connections.
    init() throws {
        directory = try Self.makeDirectory()
        try FileManager.default.createDirectory(atPath: dataDirectory + "/private", withIntermediateDirectories: true)
        var lastError = ""
        for _ in 0..<5 {
            port = try Self.freePort()
            try writeConfiguration()
            pid = try spawn()
            if try waitUntilReady() { return }
            lastError = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
        }
        throw NginxError(message: "nginx did not start: \(lastError)")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the server (idempotent); connections are refused afterwards.
    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
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

    private func writeConfiguration() throws {
        let version = Self.buildOptions
        var temporaryPaths = "client_body_temp_path \(directory)/body;\n"
        for module in ["proxy", "fastcgi", "uwsgi", "scgi"] where !version.contains("--without-http_\(module)_module") {
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
                listen 127.0.0.1:\(port);
                root \(dataDirectory);
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

    private func spawn() throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, directory + "/stdout.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments = [
            Self.executable!, "-p", directory, "-e", directory + "/error.log", "-c", directory + "/nginx.conf",
        ]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, Self.executable!, &actions, nil, &argv, environ)
        guard status == 0 else { throw NginxError(message: "posix_spawn nginx: errno \(status)") }
        return child
    }

    /// Polls until the port accepts a connection (`true`) or nginx exited (`false`, e.g. the port was taken).
    private func waitUntilReady() throws -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                return false
            }
            if Self.canConnect(port: port) { return true }
            usleep(5_000)
        }
        stop()
        throw NginxError(message: "nginx did not listen on port \(port) within 10 s")
    }

    private static let buildOptions: String = {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? "/bin/false")
        process.arguments = ["-V"]
        process.standardError = pipe
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }()

    // MARK: - Sockets

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw NginxError(message: "socket: errno \(errno)") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw NginxError(message: "bind: errno \(errno)") }
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
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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
            throw NginxError(message: "mkdtemp: errno \(errno)")
        }
        return String(cString: made)
    }
}

struct NginxError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
