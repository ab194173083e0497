import Foundation
import StaskTestSupport

/// A copy of one `Fixtures/<name>/` scenario in a fresh temporary directory, removed when released.
final class FixtureProject {
    /// The copied project directory (the Taskfile's directory).
    let root: URL
    private let scratch: URL

    /// Copies `Fixtures/<name>` (a path such as `incremental` or `bad-taskfiles/cycle`).
    init(_ name: String) throws {
        let source = StaskInvocation.packageRoot.appendingPathComponent("Fixtures/\(name)")
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: source.appendingPathComponent("Taskfile").path) else {
            throw HarnessError("no fixture at \(source.path)")
        }
        scratch = fileManager.temporaryDirectory.appendingPathComponent("stask-e2e-\(UUID().uuidString)")
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        root = scratch.appendingPathComponent("project")
        try fileManager.copyItem(at: source, to: root)
    }

    /// Copies the given paths of the package (files or folders) into one fresh project directory.
    init(copyingFromPackage paths: [String]) throws {
        let fileManager = FileManager.default
        scratch = fileManager.temporaryDirectory.appendingPathComponent("stask-e2e-\(UUID().uuidString)")
        root = scratch.appendingPathComponent("project")
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        for path in paths {
            try fileManager.copyItem(
                at: StaskInvocation.packageRoot.appendingPathComponent(path), to: root.appendingPathComponent(path))
        }
    }

    /// A fresh project directory holding `files` (relative path → contents), e.g. a generated graph.
    init(files: [String: String]) throws {
        let fileManager = FileManager.default
        scratch = fileManager.temporaryDirectory.appendingPathComponent("stask-e2e-\(UUID().uuidString)")
        root = scratch.appendingPathComponent("project")
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        for (path, contents) in files { try write(path, contents) }
    }

    /// Copies another project as it is now (its files and `.stask/` state), as a second machine would start.
    init(copyOf other: FixtureProject) throws {
        let fileManager = FileManager.default
        scratch = fileManager.temporaryDirectory.appendingPathComponent("stask-e2e-\(UUID().uuidString)")
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        root = scratch.appendingPathComponent("project")
        try fileManager.copyItem(at: other.root, to: root)
    }

    deinit {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Runs `stask build --progress=plain arguments...` here.
    func build(_ arguments: String...) async throws -> StaskResult {
        try await StaskInvocation.run(["build", "--progress=plain"] + arguments, in: root)
    }

    /// Runs `stask build --progress=plain arguments...` here with `environment` added to the inherited one.
    func build(environment: [String: String], _ arguments: String...) async throws -> StaskResult {
        try await StaskInvocation.run(["build", "--progress=plain"] + arguments, in: root, environment: environment)
    }

    /// Runs `stask arguments...` here, exactly as given.
    func stask(_ arguments: [String]) async throws -> StaskResult {
        try await StaskInvocation.run(arguments, in: root)
    }

    // MARK: - Files

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: url(path).path) }

    func read(_ path: String) -> String? { try? String(contentsOf: url(path), encoding: .utf8) }

    func write(_ path: String, _ contents: String) throws {
        try FileManager.default.createDirectory(
            at: url(path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url(path), atomically: false, encoding: .utf8)
    }

    func remove(_ path: String) throws { try FileManager.default.removeItem(at: url(path)) }

    /// Sets the modification time of `path` `seconds` into the future without changing its contents.
    func touch(_ path: String, secondsAhead seconds: TimeInterval = 10) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(seconds)], ofItemAtPath: url(path).path)
    }

    // MARK: - The log the commands write

    /// The lines of `log.txt` (empty when nothing ran).
    var logLines: [String] {
        (read("log.txt") ?? "").split(separator: "\n").map(String.init)
    }

    /// What ran, sorted: plain log lines and the names of `start NAME NANOS` lines.
    var ran: [String] {
        logLines.compactMap { line in
            let words = line.split(separator: " ")
            if words.first == "end" { return nil }
            if words.first == "start", words.count == 3 { return String(words[1]) }
            return line
        }.sorted()
    }

    /// The timed runs of `stamp.sh`: name, start and end in nanoseconds, in start order.
    var intervals: [StampInterval] { StampInterval.parse(logLines) }

    /// Empties `log.txt`.
    func clearLog() throws {
        if exists("log.txt") { try remove("log.txt") }
    }
}
