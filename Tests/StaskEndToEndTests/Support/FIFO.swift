import Foundation
import StaskTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A named pipe in a test project: a command writes a line to it to say it has reached a point (or
/// reads it, to be held until the test lets it go). The test's side never blocks the cooperative pool,
/// and every wait has a deadline that fails the test naming what it waited for.
struct FIFO: Sendable {
    let path: String

    /// Makes a FIFO at `url`.
    init(_ url: URL) throws {
        path = url.path
        guard mkfifo(path, 0o600) == 0 else { throw HarnessError("mkfifo \(path): errno \(errno)") }
    }

    /// Waits until `count` lines have been written to the FIFO, by one writer or several, and returns them.
    ///
    /// The FIFO is opened read-write, which never blocks: a writer's `open` returns at once whether it
    /// comes before or after, and no end of file is seen between two writers. The wait is a `poll` with
    /// the deadline on a thread of its own, so the thread ends by the deadline too.
    func lines(_ count: Int = 1, what: String, timeout: Duration = .seconds(30)) async throws -> [String] {
        let path = path
        return try await OffPool.run(what, timeout: timeout + .seconds(5)) {
            let descriptor = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            guard descriptor >= 0 else { throw HarnessError("open \(path): errno \(errno)") }
            defer { close(descriptor) }
            let deadline = ContinuousClock.now + timeout
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 256)
            while received.count(where: { $0 == UInt8(ascii: "\n") }) < count {
                let left = deadline - ContinuousClock.now
                guard left > .zero else {
                    throw HarnessError(
                        "gave up after \(timeout) waiting for \(what): \(count) line(s) on \(path), got "
                            + String(decoding: received, as: UTF8.self).debugDescription)
                }
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(min(left.components.seconds * 1000 + 1, 1_000))
                guard poll(&entry, 1, milliseconds) > 0 else { continue }
                let got = read(descriptor, &buffer, buffer.count)
                if got > 0 { received += buffer[..<got] }
            }
            return String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    /// Opens the FIFO to write once a command has opened it to read (which proves that command is
    /// running); the command's reads then wait until the test closes the returned descriptor.
    ///
    /// `open` blocks until the reader comes, on a thread of its own. Past the deadline the test fails
    /// naming `what`, and the thread is let go by opening and closing the reading end here.
    func openForWriting(what: String, timeout: Duration = .seconds(30)) async throws -> Int32 {
        let path = path
        do {
            return try await OffPool.run(what, timeout: timeout, discard: { close($0) }) {
                let descriptor = open(path, O_WRONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw HarnessError("open \(path) to write: errno \(errno)") }
                return descriptor
            }
        } catch {
            let reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            if reader >= 0 { close(reader) }
            throw error
        }
    }
}
