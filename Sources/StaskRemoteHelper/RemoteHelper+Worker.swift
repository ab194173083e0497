import FoundationEssentials
import StaskCore
import StaskPosix
import StaskREAPI
import StaskRemote

/// `stask-remote worker`: a worker of a Remote Execution API cluster (``RemoteWorker``), as `stask worker` starts
/// it (by `exec`, so that signals reach it directly).
///
/// ```
/// stask-remote worker --protocol 1 --bots grpc://HOST:PORT [--instance NAME] [--capacity N] [--work-dir DIR]
/// ```
///
/// Runs until SIGINT or SIGTERM: then it takes no more leases, kills the running actions, hands them back to the
/// server and exits with status 0. Without `--work-dir` the actions' directories are made in a temporary
/// directory of its own, removed at exit.
extension RemoteHelper {
    static func serveWorker(_ options: [String: String]) async -> Never {
        guard let bots = options["bots"] else { usage("worker: --bots grpc://HOST:PORT is required") }
        var url = bots
        if let instance = options["instance"] {
            // The instance replaces a path the URL may have.
            guard let parsed = try? RemoteCacheEndpoint(parsing: bots) else { usage("worker: bad --bots '\(bots)'") }
            url = "grpc://\(parsed.host.contains(":") ? "[\(parsed.host)]" : parsed.host):\(parsed.port)"
            if !instance.isEmpty { url += "/" + instance }
        }
        let endpoint: RemoteCacheEndpoint
        do {
            endpoint = try RemoteCacheEndpoint(parsing: url)
        } catch {
            usage("worker: \(error)")
        }
        guard endpoint.scheme == .grpc else { usage("worker: --bots must be a grpc:// URL, not '\(bots)'") }
        let capacity = options["capacity"].map { Int($0) ?? 0 } ?? 1
        guard capacity >= 1 else { usage("worker: --capacity must be a positive number") }
        let fileSystem = LocalFileSystem()
        let ownsWorkDirectory = options["work-dir"] == nil
        var workDirectory = options["work-dir"] ?? ""
        if ownsWorkDirectory {
            let temporary = ProcessEnvironment.value("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            workDirectory = "\(temporary)/stask-worker-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
        } else if !workDirectory.hasPrefix("/") {
            workDirectory = FileManager.default.currentDirectoryPath + "/" + workDirectory
        }
        do {
            try fileSystem.createDirectory(atPath: workDirectory)
        } catch {
            fail("cannot create the work directory: \(error)")
        }
        let configuration = WorkerConfiguration(
            endpoint: endpoint, credentials: RemoteCacheCredentials(environment: ProcessEnvironment.current()),
            capacity: capacity, workDirectory: workDirectory
        ) { line in
            FileDescriptorSink(fileDescriptor: 2).write(line + "\n")
        }
        let worker: RemoteWorker
        let interrupts: InterruptMonitor
        do {
            worker = try RemoteWorker(configuration: configuration)
            interrupts = try InterruptMonitor()
        } catch {
            fail("\(error)")
        }
        FileDescriptorSink(fileDescriptor: 2).write(
            "stask worker: serving \(endpoint) with capacity \(capacity) in \(workDirectory)\n")
        // Both owned here: the first runs the worker, the second cancels it at the first SIGINT or SIGTERM.
        let run = Task { await worker.run() }
        let watcher = Task {
            for await signal in interrupts.signals {
                FileDescriptorSink(fileDescriptor: 2).write("stask worker: signal \(signal), stopping\n")
                run.cancel()
                break
            }
        }
        await run.value
        watcher.cancel()
        interrupts.uninstall()
        if ownsWorkDirectory { try? fileSystem.removeItem(atPath: workDirectory) }
        HelperEndpoint.exit(status: 0)
    }

    private static func fail(_ message: String) -> Never {
        FileDescriptorSink(fileDescriptor: 2).write("stask worker: \(message)\n")
        HelperEndpoint.exit(status: 1)
    }
}
