import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What one run of the `stask` binary printed and how it ended.
struct StaskResult: CustomStringConvertible {
    var status: Int32
    var isSignalled: Bool
    var standardOutput: String
    var standardError: String

    var description: String {
        "status \(status)\(isSignalled ? " (signal)" : "")\n--- stdout\n\(standardOutput)--- stderr\n\(standardError)"
    }

    /// The lines of either stream that say `warning:`.
    var warnings: [String] {
        (standardOutput + standardError).split(separator: "\n").filter { $0.contains("warning:") }.map(String.init)
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

    /// Why the built binary must not be used: missing, or older than an object file it is linked from (`swift
    /// test` compiles the modules the test targets import but links no `stask`); `nil` when it is current.
    /// Checked once per test process; `$STASK_BINARY` is taken as given.
    static let unusableBinaryReason: String? = {
        let fileManager = FileManager.default
        let path = binary.path
        guard fileManager.isExecutableFile(atPath: path) else {
            return "no stask binary at \(path): run `swift build` first (./scripts/test does) or set STASK_BINARY"
        }
        if let variable = ProcessInfo.processInfo.environment["STASK_BINARY"], !variable.isEmpty { return nil }
        guard let built = modificationDate(path) else { return nil }
        let buildDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().resolvingSymlinksInPath()
        let modules = ["AsyncStreams", "CStaskShims", "StaskCore", "StaskPosix", "StaskRemote", "stask"]
        for module in modules {
            let objects = buildDirectory.appendingPathComponent("\(module).build")
            let enumerator = fileManager.enumerator(at: objects, includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard url.pathExtension == "o", let compiled = modificationDate(url.path), compiled > built else {
                    continue
                }
                return "the stask binary at \(path) is older than \(url.lastPathComponent) of \(module): run "
                    + "`swift build` (./scripts/test does) so that the end-to-end tests do not run a stale stask"
            }
        }
        return nil
    }()

    private static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Runs `stask arguments` in `directory` with `environment` added to this process's.
    ///
    /// Standard output and error go to files (no pipe can fill up and block the child); the wait is the
    /// process's termination handler resuming a continuation. `whileRunning` is called once the process
    /// has started, with the process (to send it signals); if it throws, the test fails with that error
    /// and the process is killed.
    ///
    /// A run still going after `timeout` fails the test naming the command; it is sent SIGTERM, then
    /// SIGKILL 5 s later, and given up on (status -1) 10 s after that: a hung stask never stalls the suite.
    ///
    /// `executable` runs another program instead (`script` wrapping stask, Graphviz's `dot`).
    static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:],
        timeout: Duration = .seconds(50), executable: URL? = nil,
        whileRunning: (@Sendable (Process) async throws -> Void)? = nil
    ) async throws -> StaskResult {
        let fileManager = FileManager.default
        if let reason = unusableBinaryReason { throw HarnessError(reason) }
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

        let commandLine = ([process.executableURL?.lastPathComponent ?? ""] + arguments).joined(separator: " ")
        let hasExited = await withTaskGroup(of: WaitEvent.self) { group in
            group.addTask {
                for await _ in terminations {}
                return .exited
            }
            group.addTask {
                // Watchdog: a hung stask fails the test instead of stalling the suite.
                guard (try? await Task.sleep(for: timeout)) != nil else { return .other }
                Issue.record("still running after \(timeout), killed: \(commandLine) in \(directory.path)")
                process.terminate()
                guard (try? await Task.sleep(for: .seconds(5))) != nil else { return .other }
                kill(process.processIdentifier, SIGKILL)
                guard (try? await Task.sleep(for: .seconds(10))) != nil else { return .other }
                return .abandoned
            }
            if let whileRunning {
                group.addTask {
                    do {
                        try await whileRunning(process)
                    } catch let error where !Task.isCancelled {
                        Issue.record(error, "while running \(commandLine)")
                        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                    } catch {
                        // The process exited first: the test's expectations tell what went wrong.
                    }
                    return .other
                }
            }
            // Wait for the termination itself (or the watchdog giving up), whatever else finishes first.
            var event = WaitEvent.other
            while let next = await group.next() {
                event = next
                if event != .other { break }
            }
            group.cancelAll()
            return event == .exited
        }
        guard hasExited else {
            Issue.record("did not exit 15 s after SIGTERM and SIGKILL: \(commandLine)")
            return StaskResult(status: -1, isSignalled: false, standardOutput: "", standardError: "")
        }
        return StaskResult(
            status: process.terminationStatus,
            isSignalled: process.terminationReason == .uncaughtSignal,
            standardOutput: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")
    }

    private enum WaitEvent: Sendable {
        case exited
        case abandoned
        case other
    }
}
