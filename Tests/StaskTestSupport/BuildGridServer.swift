import Foundation
import StaskCore
import StaskPosix

/// The BuildGrid server (with PostgreSQL) on loopback that the gRPC tests talk to, started once per test
/// process by `scripts/buildgrid-start`, which installs both when they are missing and reuses a server
/// already running in its run directory (`scripts/test` starts one before the tests and stops it after;
/// `scripts/buildgrid-stop` stops one started by a focused `swift test`).
///
/// Tests that need it are enabled by ``isInstallable()``: they are skipped, with the reason printed on standard error,
/// only when BuildGrid or PostgreSQL cannot be installed here (the script's exit status 3). Any other
/// failure to start fails the tests that ask for ``endpoint()``, with the script's output.
package actor BuildGridServer {
    package enum Availability: Sendable {
        case running(endpoint: String)
        case cannotInstall(reason: String)
        case failed(String)
    }

    package static let shared = BuildGridServer()

    /// The repository's root, from this file's place in it.
    package static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The one start of the process: stored so that every caller awaits the same run of the script.
    private var start: Task<Availability, Never>?

    /// The outcome of starting the server; the first call starts it (minutes when it must be installed,
    /// some 15 s otherwise, at once when it runs).
    package func availability() async -> Availability {
        if let start { return await start.value }
        let task = Task { await Self.runStartScript() }
        start = task
        return await task.value
    }

    /// Whether tests that need the server should run: all but where it cannot be installed.
    package static func isInstallable() async -> Bool {
        if case .cannotInstall = await shared.availability() { return false }
        return true
    }

    /// Why tests that need the server are skipped, for a condition trait over ``isInstallable()``.
    package static let skipReason =
        "BuildGrid cannot be installed here (scripts/buildgrid-start exited with status 3; its reason is on "
        + "standard error)"

    /// The server's `grpc://127.0.0.1:PORT`.
    ///
    /// - Throws: When the server did not start (and could have been installed): the script's output.
    package static func endpoint() async throws -> String {
        switch await shared.availability() {
        case .running(let endpoint): return endpoint
        case .cannotInstall(let reason): throw HarnessError("BuildGrid cannot be installed: \(reason)")
        case .failed(let output): throw HarnessError("scripts/buildgrid-start failed:\n\(output)")
        }
    }

    private static func runStartScript() async -> Availability {
        let result: ProcessResult
        do {
            result = try await PosixProcessLauncher().run(
                ProcessSpec(
                    arguments: [repositoryRoot + "/scripts/buildgrid-start"],
                    environment: ProcessInfo.processInfo.environment, workingDirectory: repositoryRoot,
                    timeout: .seconds(600)))
        } catch {
            return .failed("cannot run scripts/buildgrid-start: \(error)")
        }
        let output = String(decoding: result.output, as: UTF8.self)
        switch result.termination {
        case .exited(0):
            let line = output.split(separator: "\n").first { $0.hasPrefix("REAPI_ENDPOINT=") }
            guard let line else { return .failed(output) }
            return .running(endpoint: String(line.dropFirst("REAPI_ENDPOINT=".count)))
        case .exited(3):
            FileHandle.standardError.write(Data("BuildGrid tests skipped: \(output)\n".utf8))
            return .cannotInstall(reason: output.trimmingCharacters(in: .whitespacesAndNewlines))
        default:
            return .failed("\(result.termination)\n\(output)")
        }
    }
}
