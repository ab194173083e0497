import Foundation

/// What one run of the `stask` binary printed and how it ended.
struct StaskResult: CustomStringConvertible {
    var status: Int32
    var isSignalled: Bool
    var standardOutput: String
    var standardError: String

    var description: String {
        "status \(status)\(isSignalled ? " (signal)" : "")\n--- stdout\n\(standardOutput)--- stderr\n\(standardError)"
    }
}

/// Runs the built `stask` binary and waits for it without polling.
enum StaskInvocation {
    /// The package root, found from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // StaskEndToEndTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// `$STASK_BINARY`, or `.build/debug/stask` in the package root.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["STASK_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.appendingPathComponent(".build/debug/stask")
    }

    /// Runs `stask arguments` in `directory` with `environment` added to this process's; kills it after
    /// `timeout`.
    ///
    /// Standard output and error go to files (no pipe can fill up and block the child); the wait is the
    /// process's termination handler resuming a continuation. `whileRunning` is called once the process
    /// has started, with the process (to send it signals).
    ///
    /// `executable` runs another program instead (`script` wrapping stask, Graphviz's `dot`).
    static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:],
        timeout: Duration = .seconds(50), executable: URL? = nil,
        whileRunning: (@Sendable (Process) async -> Void)? = nil
    ) async throws -> StaskResult {
        let fileManager = FileManager.default
        guard fileManager.isExecutableFile(atPath: binary.path) else {
            throw HarnessError("no stask binary at \(binary.path): run `swift build` first or set STASK_BINARY")
        }
        let scratch = fileManager.temporaryDirectory.appendingPathComponent("stask-run-\(UUID().uuidString)")
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("stdout")
        let errorURL = scratch.appendingPathComponent("stderr")
        _ = fileManager.createFile(atPath: outputURL.path, contents: nil)
        _ = fileManager.createFile(atPath: errorURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let error = try FileHandle(forWritingTo: errorURL)

        let process = Process()
        process.executableURL = executable ?? binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice

        let (terminations, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { _ in
            continuation.yield()
            continuation.finish()
        }
        try process.run()
        try? output.close()
        try? error.close()

        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in terminations {}
                return true
            }
            group.addTask {
                // Watchdog: a hung stask fails the test instead of stalling the suite.
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled, process.isRunning { process.terminate() }
                return false
            }
            if let whileRunning {
                group.addTask {
                    await whileRunning(process)
                    return false
                }
            }
            // Wait for the termination itself, whatever else finishes first.
            while let isTermination = await group.next(), !isTermination {}
            group.cancelAll()
        }
        return StaskResult(
            status: process.terminationStatus,
            isSignalled: process.terminationReason == .uncaughtSignal,
            standardOutput: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")
    }
}

/// A problem with the test setup itself (not with stask).
struct HarnessError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
