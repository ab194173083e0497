import Foundation
import Testing

@testable import StaskCore
import CStaskShims
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

    /// Reads one line from a FIFO: a child writing to it proves it is running. The blocking open and read
    /// happen on a dedicated thread, never on the cooperative pool.
    static func readLine(fromFIFO path: String) async -> String {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var line: [UInt8] = []
                let fd = open(path, O_RDONLY)
                if fd >= 0 {
                    var byte: UInt8 = 0
                    while read(fd, &byte, 1) == 1 && byte != UInt8(ascii: "\n") { line.append(byte) }
                    close(fd)
                }
                continuation.resume(returning: String(decoding: line, as: UTF8.self))
            }
            thread.start()
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
