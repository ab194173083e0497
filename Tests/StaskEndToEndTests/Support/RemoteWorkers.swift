import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A child process the remote execution scenarios start and stop: `stask worker`, or the TCP proxy of
/// `Fixtures/remote-execution/proxy.py`. Its standard error goes to a file; stopping it waits (10 s at most)
/// for it to exit.
final class ChildProcess: Sendable {
    let process: Process
    let log: URL
    private let exited: OneShot<Bool>

    /// Starts `executable` with `arguments`; standard output to `output` (or nowhere), standard error to `log`.
    init(_ executable: URL, _ arguments: [String], log: URL, output: FileHandle? = nil) throws {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        let exited = OneShot<Bool>()
        process.terminationHandler = { _ in exited.fill(true) }
        try process.run()
        self.process = process
        self.log = log
        self.exited = exited
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` and waits for the exit.
    func stop(_ signal: Int32 = SIGTERM) async {
        if process.isRunning { kill(process.processIdentifier, signal) }
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
        if !hasExited {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("\(process.executableURL?.lastPathComponent ?? "a child") did not exit within 10 s")
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// `stask worker` processes serving a cluster, each with a work directory of its own.
struct RemoteWorkers {
    let workers: [ChildProcess]
    let workDirectories: [URL]

    /// Starts `count` workers on `endpoint`, one action at a time each.
    static func start(_ count: Int, endpoint: String) throws -> RemoteWorkers {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("stask-workers-\(UUID().uuidString)")
        var workers: [ChildProcess] = []
        var directories: [URL] = []
        for index in 0..<count {
            let directory = base.appendingPathComponent("w\(index)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            workers.append(
                try ChildProcess(
                    StaskInvocation.binary,
                    ["worker", "--bots", endpoint, "--capacity", "1", "--work-dir", directory.path],
                    log: base.appendingPathComponent("w\(index).log")))
            directories.append(directory)
        }
        return RemoteWorkers(workers: workers, workDirectories: directories)
    }

    /// Stops every worker (SIGTERM: running actions are handed back) and waits for them.
    func stop() async {
        for worker in workers { await worker.stop() }
    }

    /// What the workers logged, for failure messages.
    var logs: String {
        workers.map { (try? String(contentsOf: $0.log, encoding: .utf8)) ?? "" }.joined(separator: "\n")
    }
}

/// `Fixtures/remote-execution/proxy.py` in front of a server: killing it drops every connection, as a server
/// that stops does.
struct TCPProxy {
    let child: ChildProcess
    let endpoint: String

    /// Starts the proxy towards `target` (`grpc://HOST:PORT`) and waits for its port.
    static func start(to target: String) async throws -> TCPProxy {
        let address = target.replacingOccurrences(of: "grpc://", with: "").split(separator: ":")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stask-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        _ = FileManager.default.createFile(atPath: portFile.path, contents: nil)
        let script = StaskInvocation.packageRoot.appendingPathComponent("Fixtures/remote-execution/proxy.py")
        let child = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, String(address[0]), String(address[1])],
            log: directory.appendingPathComponent("log"), output: try FileHandle(forWritingTo: portFile))
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: portFile, encoding: .utf8)) ?? ""
            if let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return TCPProxy(child: child, endpoint: "grpc://127.0.0.1:\(port)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("the proxy did not print its port")
    }
}
