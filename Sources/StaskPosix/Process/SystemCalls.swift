import CStaskShims
import Glibc

/// Small wrappers over system calls the launcher, monitor and file system share.
package enum SystemCalls {
    /// `strerror(code)`, e.g. "No such file or directory".
    package static func errorMessage(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }

    /// Nanoseconds on the monotonic clock.
    package static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Nanoseconds in `duration`, saturating.
    package static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? Int64.min / 2 : Int64.max / 2 }
        return whole &+ attoseconds / 1_000_000_000
    }

    /// A pipe whose both ends are close-on-exec; the read end is also non-blocking.
    ///
    /// Uses `pipe2(O_CLOEXEC)` so no child spawned concurrently by another thread can inherit the ends.
    package static func makeOutputPipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        let status = fds.withUnsafeMutableBufferPointer { stask_pipe2($0.baseAddress, O_CLOEXEC) }
        guard status == 0 else { return nil }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        return (fds[0], fds[1])
    }

    /// `close` that ignores `EINTR` (on Linux the descriptor is released anyway).
    package static func closeDescriptor(_ fd: Int32) {
        if fd >= 0 { _ = close(fd) }
    }
}

/// `argv`/`envp`: C strings packed into one allocation with a null-terminated pointer array.
package struct CStringArray: ~Copyable {
    private let bytes: UnsafeMutablePointer<CChar>
    /// The null-terminated array of pointers into ``bytes``, as `posix_spawn` wants it.
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    package init(_ strings: [String]) {
        var total = 0
        for string in strings { total += string.utf8.count + 1 }
        bytes = .allocate(capacity: max(total, 1))
        pointers = .allocate(capacity: strings.count + 1)
        var offset = 0
        for (index, string) in strings.enumerated() {
            let start = bytes + offset
            pointers[index] = start
            for byte in string.utf8 {
                bytes[offset] = CChar(bitPattern: byte)
                offset += 1
            }
            bytes[offset] = 0
            offset += 1
        }
        pointers[strings.count] = nil
    }

    deinit {
        bytes.deallocate()
        pointers.deallocate()
    }
}
