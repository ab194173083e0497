import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// nginx serving Bazel's HTTP cache protocol (WebDAV `PUT` into a directory) on a free loopback port, for
/// the remote cache scenarios. A trimmed copy of `StaskCoreTests`' `NginxServer` (test targets cannot
/// share code here): a generated configuration in a temporary directory, `nginx -p DIR -c CONF` as a child
/// process, single-process so that stopping it stops everything.
final class CacheServer {
    /// The nginx binary, if installed; the scenarios are skipped without it.
    static let executable: String? = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    let directory: URL
    let port: UInt16
    /// Whether nginx speaks TLS, with a certificate for 127.0.0.1 signed by the test CA ``caFile``.
    let isTLS: Bool
    private var process: Process?
    /// Filled with `true` when nginx has exited (by its termination handler), `false` when stopping gave up.
    private let exited: OneShot<Bool>

    /// `http://127.0.0.1:PORT`, or `https://` when it speaks TLS.
    var url: String { (isTLS ? "https" : "http") + "://127.0.0.1:\(port)" }
    /// The PEM certificate of the CA that signed a TLS server's certificate (made for this server alone).
    var caFile: String { directory.path + "/ca.pem" }
    /// Where the server keeps the blobs (`cas/`) and manifests (`ac/`).
    var dataDirectory: URL { directory.appendingPathComponent("data") }

    private init(directory: URL, port: UInt16, isTLS: Bool, process: Process, exited: OneShot<Bool>) {
        self.directory = directory
        self.port = port
        self.isTLS = isTLS
        self.process = process
        self.exited = exited
    }

    /// Starts nginx on a free port and waits until it accepts connections. The start-up (spawning and
    /// polling the port) runs on a thread of its own; it gives up after five ports or 10 s each.
    ///
    /// - Parameter tls: Serve `https://`, with a CA and a server certificate that `openssl` makes first.
    static func start(tls: Bool = false) async throws -> CacheServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stask-cache-\(UUID().uuidString)")
        let dataDirectory = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        if tls { try await TestCertificates.make(in: directory.path) }
        let (port, process, exited) = try await OffPool.run("nginx to listen", timeout: .seconds(55)) {
            return try launch(in: directory, dataDirectory: dataDirectory, tls: tls)
        }
        return CacheServer(directory: directory, port: port, isTLS: tls, process: process, exited: exited)
    }

    deinit {
        // No wait here: the kernel closes the port when nginx dies, and nothing after the test needs it.
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops nginx and waits (10 s at most) for it to exit; connections are refused afterwards.
    func stop() async {
        guard let process else { return }
        self.process = nil
        kill(process.processIdentifier, SIGKILL)
        let exited = exited
        let hasExited = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                exited.fill(false)
            }
            let hasExited = await withCheckedContinuation { exited.install($0) }
            group.cancelAll()
            return hasExited
        }
        if !hasExited { Issue.record("nginx did not exit within 10 s of SIGKILL") }
    }

    /// The files under `data/cas/` (the blobs).
    func blobs() throws -> [URL] {
        let cas = dataDirectory.appendingPathComponent("cas")
        return try FileManager.default.contentsOfDirectory(at: cas, includingPropertiesForKeys: nil)
    }

    /// Spawns nginx until one listens (five ports at most); blocks, so it runs off the cooperative pool.
    private static func launch(
        in directory: URL, dataDirectory: URL, tls: Bool
    ) throws -> (UInt16, Process, OneShot<Bool>) {
        let path = directory.path
        for _ in 0..<5 {
            let port = try freePort()
            try writeConfiguration(in: directory, dataDirectory: dataDirectory, port: port, tls: tls)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable!)
            process.arguments = ["-p", path, "-e", path + "/error.log", "-c", path + "/nginx.conf"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let exited = OneShot<Bool>()
            process.terminationHandler = { _ in exited.fill(true) }
            try process.run()
            if waitUntilListening(process, port: port) { return (port, process, exited) }
            // Exited (the port was taken) or never listened: try the next port.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        throw HarnessError(
            "nginx did not start: \((try? String(contentsOfFile: path + "/error.log", encoding: .utf8)) ?? "")")
    }

    private static func writeConfiguration(in directory: URL, dataDirectory: URL, port: UInt16, tls: Bool) throws {
        let path = directory.path
        let listen =
            tls
            ? "listen 127.0.0.1:\(port) ssl;\n    ssl_certificate \(path)/server.pem;\n"
                + "    ssl_certificate_key \(path)/server.key;"
            : "listen 127.0.0.1:\(port);"
        let configuration = """
            master_process off;
            daemon off;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log;
            events { worker_connections 256; }
            http {
              client_body_temp_path \(path)/body;
              proxy_temp_path \(path)/proxy;
              fastcgi_temp_path \(path)/fastcgi;
              uwsgi_temp_path \(path)/uwsgi;
              scgi_temp_path \(path)/scgi;
              access_log \(path)/access.log;
              server {
                \(listen)
                root \(dataDirectory.path);
                client_max_body_size 0;
                location / { dav_methods PUT; create_full_put_path on; }
              }
            }
            """
        try configuration.write(toFile: path + "/nginx.conf", atomically: true, encoding: .utf8)
    }

    /// Polls until the port accepts connections (`true`) or nginx exited or 10 s passed (`false`).
    private static func waitUntilListening(_ process: Process, port: UInt16) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, process.isRunning {
            if connects(port: port) { return true }
            usleep(5_000)
        }
        return false
    }

    private static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    private static func connects(port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var target = address(port: port)
        return withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var bound = address(port: 0)
        let status = withUnsafePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else { throw HarnessError("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return UInt16(bigEndian: bound.sin_port)
    }
}
