import CStaskShims
import Foundation
import Testing

@testable import StaskCore
@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers for tests that run real processes.
enum ExecutionTestSupport {
    /// A small, predictable environment for children.
    static let environment: [String: String] = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"]

    /// A fresh directory (physical path, no symbolic links) removed by `removeDirectory`.
    static func makeDirectory() throws -> String {
        var template = Array("/tmp/stask-exec-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let path = String(cString: try #require(created))
        let resolved = try #require(realpath(path, nil))
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Creates a FIFO at `directory/name` and returns its path.
    static func makeFIFO(in directory: String, name: String = "ready") throws -> String {
        let path = directory + "/" + name
        try #require(mkfifo(path, 0o600) == 0)
        return path
    }

    /// Reads one line from a FIFO: a child writing to it proves it is running.
    ///
    /// The FIFO is opened read-write and non-blocking (so neither side's `open` waits for the other) on a
    /// dedicated thread, never the cooperative pool, and read with `poll` until a deadline. Past it, the
    /// answer names what was awaited instead of a line, so the caller's expectation fails with it.
    static func readLine(fromFIFO path: String, timeout: Duration = .seconds(30)) async -> String {
        await DedicatedThread.run {
            let descriptor = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            guard descriptor >= 0 else { return "cannot open \(path): errno \(errno)" }
            defer { close(descriptor) }
            let deadline = ContinuousClock.now + timeout
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero else {
                    return "gave up after \(timeout) waiting for a line on \(path), got \(line.count) bytes"
                }
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, Int32(min(left.components.seconds * 1000 + 1, 1_000))) > 0 else { continue }
                while read(descriptor, &byte, 1) == 1 {
                    if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                    line.append(byte)
                }
            }
        }
    }

    /// Whether process `pid` has exited (or is a zombie) within `milliseconds`: waits on a pidfd, so the
    /// answer comes as soon as it dies, without sleeping, and on a dedicated thread, not the cooperative pool.
    static func hasExited(_ pid: pid_t, within milliseconds: Int32 = 5_000) async -> Bool {
        await DedicatedThread.run {
            let fd = stask_pidfd_open(pid, 0)
            if fd < 0 { return errno == ESRCH }
            defer { close(fd) }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, milliseconds) == 1
        }
    }

    /// Whether process `pid` has exited (or is a zombie) within `milliseconds`: waits on a pidfd, so the
    /// answer comes as soon as it dies, without sleeping.
    static func hasExited(_ pid: pid_t, within milliseconds: Int32 = 5_000) throws -> Bool {
        let fd = stask_pidfd_open(pid, 0)
        if fd < 0 { return errno == ESRCH }
        defer { close(fd) }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) == 1
    }

    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    static func write(_ contents: String, to path: String, mode: mode_t = 0o644) throws {
        try #require(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)))
        try #require(chmod(path, mode) == 0)
    }

    /// The capability sets the launcher tests run under: this system's, and every fallback at once.
    static let capabilitySets: [ProcessSpawner.Capabilities] = [
        .detected, ProcessSpawner.Capabilities(usesPidfd: false, usesSpawnChdir: false, usesClosefrom: false),
    ]
}

extension ProcessSpawner.Capabilities: CustomTestStringConvertible {
    public var testDescription: String {
        usesPidfd && usesSpawnChdir ? "detected" : "fallbacks"
    }
}
