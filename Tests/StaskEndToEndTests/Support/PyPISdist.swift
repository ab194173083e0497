import Foundation
import StaskTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A source distribution on PyPI, pinned by version and SHA-256: what the real-project tests build.
///
/// Kept in a cache outside the clone (`$XDG_CACHE_HOME/stask-tests`, else `~/.cache/stask-tests`) and
/// fetched with pip when missing or damaged. PyPI is reachable wherever these tests run, so a failed
/// download fails the test (with pip's message); it never skips it.
struct PyPISdist {
    /// What pip is asked for, `name==version`.
    let requirement: String
    /// The archive's file name on PyPI.
    let fileName: String
    /// Its SHA-256, in hexadecimal.
    let sha256: String

    /// The cache shared by the test runs of this machine.
    static var cacheDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return URL(fileURLWithPath: cache).appendingPathComponent("stask-tests")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/stask-tests")
    }

    /// The verified archive in the cache, downloaded first if it is missing or does not match.
    ///
    /// - Parameter timeout: How long pip may take.
    func archive(timeout: Duration) async throws -> URL {
        let fileManager = FileManager.default
        let cached = Self.cacheDirectory.appendingPathComponent(fileName)
        if fileManager.fileExists(atPath: cached.path), try await Self.digest(of: cached) == sha256 { return cached }

        // Downloaded into a folder of its own, then renamed into place: two test runs may fetch at once.
        let download = Self.cacheDirectory.appendingPathComponent("download-\(UUID().uuidString)")
        try fileManager.createDirectory(at: download, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: download) }
        let pip = try await runTool(
            [
                "python3", "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                "--disable-pip-version-check", "--dest", download.path, requirement,
            ], in: download, timeout: timeout)
        let fetched = download.appendingPathComponent(fileName)
        guard pip.status == 0, fileManager.fileExists(atPath: fetched.path) else {
            throw HarnessError("could not download \(requirement) (\(fileName)) from PyPI with pip: \(pip)")
        }
        let actual = try await Self.digest(of: fetched)
        guard actual == sha256 else {
            throw HarnessError("\(fileName) from PyPI has SHA-256 \(actual), expected \(sha256)")
        }
        guard rename(fetched.path, cached.path) == 0 else {
            throw HarnessError("cannot move \(fetched.path) to \(cached.path): errno \(errno)")
        }
        return cached
    }

    /// The SHA-256 of `file` in hexadecimal, from `sha256sum`.
    private static func digest(of file: URL) async throws -> String {
        let result = try await runTool(["sha256sum", file.path], in: file.deletingLastPathComponent())
        guard result.status == 0, let digest = result.standardOutput.split(separator: " ").first else {
            throw HarnessError("sha256sum \(file.path): \(result)")
        }
        return String(digest)
    }
}

/// Runs `command` (its first word looked up on `PATH`) in `directory` and waits for it.
func runTool(_ command: [String], in directory: URL, timeout: Duration = .seconds(50)) async throws -> StaskResult {
    try await StaskInvocation.run(
        command, in: directory, timeout: timeout, executable: URL(fileURLWithPath: "/usr/bin/env"))
}

/// A folder of the test cache holding `requirements` (binary wheels only) as pip installs them with
/// `--target`, installed when `probe` (a path inside the folder) is missing. The installation is moved into
/// place whole, so another run never sees half of one.
func pipInstalled(_ requirements: [String], folder: String, probe: String) async throws -> URL {
    let fileManager = FileManager.default
    let target = PyPISdist.cacheDirectory.appendingPathComponent(folder)
    if fileManager.fileExists(atPath: target.appendingPathComponent(probe).path) { return target }
    let staging = PyPISdist.cacheDirectory.appendingPathComponent("install-\(UUID().uuidString)")
    try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
    defer { try? fileManager.removeItem(at: staging) }
    let pip = try await runTool(
        [
            "python3", "-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir", "--only-binary",
            ":all:", "--target", staging.appendingPathComponent("site").path,
        ] + requirements, in: staging, timeout: .seconds(120))
    guard pip.status == 0 else {
        throw HarnessError("could not install \(requirements.joined(separator: " ")) with pip: \(pip)")
    }
    if !fileManager.fileExists(atPath: target.path) {
        try? fileManager.moveItem(at: staging.appendingPathComponent("site"), to: target)
    }
    guard fileManager.fileExists(atPath: target.appendingPathComponent(probe).path) else {
        throw HarnessError("\(probe) is not in \(target.path) after installing \(requirements.joined(separator: " "))")
    }
    return target
}
