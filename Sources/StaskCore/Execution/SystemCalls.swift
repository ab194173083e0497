#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few C functions the launcher needs that Swift's `Glibc` module does not import.
///
/// `pipe2`, `pidfd_open` (glibc 2.36), `posix_spawn_file_actions_addchdir_np` (2.29) and
/// `posix_spawn_file_actions_addclosefrom_np` (2.34) are declared only under `_GNU_SOURCE`, which the module
/// map does not define; they are looked up once with `dlsym`. A missing symbol means the fallback path.
enum SystemCalls {
    typealias PipeFunction = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias PidfdOpenFunction = @convention(c) (pid_t, UInt32) -> Int32
    typealias AddChdirFunction =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    typealias AddClosefromFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// The resolved functions; each `nil` when the C library lacks it.
    struct Functions: Sendable {
        var pipe2: PipeFunction?
        var pidfdOpen: PidfdOpenFunction?
        var addChdir: AddChdirFunction?
        var addClosefrom: AddClosefromFunction?
    }

    static let functions = Functions(
        pipe2: symbol("pipe2"), pidfdOpen: symbol("pidfd_open"),
        addChdir: symbol("posix_spawn_file_actions_addchdir_np"),
        addClosefrom: symbol("posix_spawn_file_actions_addclosefrom_np"))

    private static func symbol<Function>(_ name: String) -> Function? {
        // A null handle is RTLD_DEFAULT: search the global scope (libc is always loaded).
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }

    /// `strerror(code)`, e.g. "No such file or directory".
    static func errorMessage(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }

    /// Nanoseconds on the monotonic clock.
    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Nanoseconds in `duration`, saturating.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? Int64.min / 2 : Int64.max / 2 }
        return whole &+ attoseconds / 1_000_000_000
    }

    /// A pipe whose both ends are close-on-exec; the read end is also non-blocking.
    ///
    /// Uses `pipe2(O_CLOEXEC)` so no child spawned concurrently by another thread can inherit the ends.
    /// Without `pipe2` the flags are set afterwards; the spawner's `closefrom` covers that window.
    static func makeOutputPipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        let status: Int32
        if let pipe2 = functions.pipe2 {
            status = fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress, O_CLOEXEC) }
        } else {
            status = pipe(&fds)
            if status == 0 {
                _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            }
        }
        guard status == 0 else { return nil }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        return (fds[0], fds[1])
    }

    /// `close` that ignores `EINTR` (on Linux the descriptor is released anyway).
    static func closeDescriptor(_ fd: Int32) {
        if fd >= 0 { _ = close(fd) }
    }
}

/// `argv`/`envp`: C strings packed into one allocation with a null-terminated pointer array.
struct CStringArray: ~Copyable {
    private let bytes: UnsafeMutablePointer<CChar>
    /// The null-terminated array of pointers into ``bytes``, as `posix_spawn` wants it.
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [String]) {
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
