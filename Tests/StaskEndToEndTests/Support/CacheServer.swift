import Foundation

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
    private(set) var port: UInt16 = 0
    private var process: Process?

    /// `http://127.0.0.1:PORT`.
    var url: String { "http://127.0.0.1:\(port)" }
    /// Where the server keeps the blobs (`cas/`) and manifests (`ac/`).
    var dataDirectory: URL { directory.appendingPathComponent("data") }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("stask-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        for _ in 0..<5 {
            port = try Self.freePort()
            try writeConfiguration()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.executable!)
            let path = directory.path
            process.arguments = ["-p", path, "-e", path + "/error.log", "-c", path + "/nginx.conf"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            self.process = process
            if waitUntilListening() { return }
            stop()
        }
        throw HarnessError(
            "nginx did not start: \((try? String(contentsOfFile: directory.path + "/error.log", encoding: .utf8)) ?? "")"
        )
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops nginx; connections are refused afterwards.
    func stop() {
        guard let process else { return }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        self.process = nil
    }

    /// The files under `data/cas/` (the blobs).
    func blobs() throws -> [URL] {
        let cas = dataDirectory.appendingPathComponent("cas")
        return try FileManager.default.contentsOfDirectory(at: cas, includingPropertiesForKeys: nil)
    }

    private func writeConfiguration() throws {
        let path = directory.path
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
                listen 127.0.0.1:\(port);
                root \(dataDirectory.path);
                client_max_body_size 0;
                location / { dav_methods PUT; create_full_put_path on; }
              }
            }
            """
        try configuration.write(toFile: path + "/nginx.conf", atomically: true, encoding: .utf8)
    }

    /// Polls until the port accepts connections (`true`) or nginx exited (`false`).
    private func waitUntilListening() -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, process?.isRunning == true {
            if Self.connects(port: port) { return true }
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
