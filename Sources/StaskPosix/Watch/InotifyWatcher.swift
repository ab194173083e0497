import Glibc
package import StaskCore
import Synchronization

/// The Linux ``FileWatcher``: `inotify` on every watched directory, and polling where the watch limit was
/// reached.
///
/// Directories are watched rather than files, so that a file an editor replaces by renaming a new one over it
/// stays watched. A dedicated thread (never one of the cooperative pool's) waits in `poll(2)` on the inotify
/// descriptor and a stop pipe, reads the events, turns each into a ``FileChange`` and hands each read's batch
/// to the callback. Events: created, deleted and renamed entries (`IN_CREATE`, `IN_DELETE`, `IN_MOVED_FROM`,
/// `IN_MOVED_TO`, and the directory's own `IN_DELETE_SELF`/`IN_MOVE_SELF`) are ``FileChange/Kind/entry``;
/// writes, closes after writing and attribute changes (`IN_MODIFY`, `IN_CLOSE_WRITE`, `IN_ATTRIB`) are
/// ``FileChange/Kind/contents``; a queue overflow is ``FileChange/overflow``.
///
/// **Watch limit.** When `inotify_add_watch` fails with `ENOSPC` (`fs.inotify.max_user_watches` reached),
/// that directory, and each directory added after it, is polled instead: every `pollInterval` the thread
/// examines the directory and the ``WatchTargets/files`` in it (`stat`), and reports what differs from the
/// last look. ``watch(_:)``'s ``WatchCoverage`` says so, for the session's one warning. A directory that does
/// not exist is not watched: its creation shows in its parent's watch, and the next build's targets add it.
///
/// **Contract.** Thread-safe: the tables are behind a `Mutex`. The callback runs on the watcher's thread, one
/// batch at a time, in order; after ``stop()`` no new batch starts.
package final class InotifyWatcher: FileWatcher {
    private struct Polled {
        var directory: FileMetadata?
        var files: [String: FileMetadata?]
    }

    private struct State {
        var inotifyFD: Int32 = -1
        var stopWriteFD: Int32 = -1
        /// Watch descriptor → directory, and back.
        var directories: [Int32: String] = [:]
        var descriptors: [String: Int32] = [:]
        /// Directories polled instead, with what was seen at the last look.
        var polled: [String: Polled] = [:]
        var isLimitReached = false
        var isStopped = false
    }

    private static let mask: UInt32 = {
        let entry = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF
        return UInt32(entry | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_ONLYDIR | IN_EXCL_UNLINK)
    }()

    private let pollInterval: Duration
    private let watchLimit: Int?
    private let fileSystem = LocalFileSystem()
    private let state = Mutex(State())

    /// Creates a watcher; nothing is watched before ``start(_:)`` and ``watch(_:)``.
    ///
    /// - Parameters:
    ///   - pollInterval: How often directories that could not be watched are examined.
    ///   - watchLimit: At most this many directories are watched by notification, as if the system's limit
    ///     were reached there (for tests of the polling fallback; `nil`: the system's limit only).
    package init(pollInterval: Duration = .milliseconds(500), watchLimit: Int? = nil) {
        self.pollInterval = pollInterval
        self.watchLimit = watchLimit
    }

    deinit {
        stop()
    }

    package func start(_ onChanges: @escaping @Sendable ([FileChange]) -> Void) throws {
        let inotifyFD = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotifyFD >= 0 else { throw Self.unavailable("inotify_init1") }
        guard let (stopReadFD, stopWriteFD) = SystemCalls.makeOutputPipe() else {
            let error = Self.unavailable("pipe2")
            SystemCalls.closeDescriptor(inotifyFD)
            throw error
        }
        state.withLock {
            precondition($0.inotifyFD < 0 && !$0.isStopped, "InotifyWatcher started twice")
            $0.inotifyFD = inotifyFD
            $0.stopWriteFD = stopWriteFD
        }
        let reader = Reader(watcher: self, inotifyFD: inotifyFD, stopFD: stopReadFD, onChanges: onChanges)
        if let status = DedicatedThread.startReportingError({ reader.run() }) {
            stop()
            SystemCalls.closeDescriptor(stopReadFD)
            throw WatchError.unavailable(
                systemCall: "pthread_create", errno: status, message: SystemCalls.errorMessage(status))
        }
    }

    @discardableResult
    package func watch(_ targets: WatchTargets) -> WatchCoverage {
        let filesByDirectory = Dictionary(grouping: targets.files) { ProjectPath.parent(ofAbsolute: $0) }
        return state.withLock { state in
            guard state.inotifyFD >= 0, !state.isStopped else { return WatchCoverage() }
            let wasPolling = !state.polled.isEmpty
            for (directory, descriptor) in state.descriptors where !targets.directories.contains(directory) {
                inotify_rm_watch(state.inotifyFD, descriptor)
                state.descriptors[directory] = nil
                state.directories[descriptor] = nil
            }
            for directory in state.polled.keys where !targets.directories.contains(directory) {
                state.polled[directory] = nil
            }
            for directory in targets.directories where state.descriptors[directory] == nil {
                if state.polled[directory] == nil, !state.isLimitReached,
                    watchLimit.map({ state.descriptors.count < $0 }) ?? true
                {
                    let descriptor = inotify_add_watch(state.inotifyFD, directory, Self.mask)
                    if descriptor >= 0 {
                        state.descriptors[directory] = descriptor
                        state.directories[descriptor] = directory
                        continue
                    }
                    // A missing directory shows up in its parent's watch; only the limit means polling.
                    guard errno == ENOSPC else { continue }
                }
                state.isLimitReached = true
                let files = filesByDirectory[directory] ?? []
                if state.polled[directory]?.files.count != files.count {
                    state.polled[directory] = look(at: directory, files: files)
                }
            }
            if !wasPolling && !state.polled.isEmpty {
                // The thread may be waiting without a timeout: wake it so that it starts polling. (Under the
                // lock, so that `stop()` cannot close the pipe meanwhile; one byte into a pipe the thread
                // drains never blocks.)
                var byte: UInt8 = 1
                _ = write(state.stopWriteFD, &byte, 1)
            }
            return WatchCoverage(
                notified: state.descriptors.count, polled: state.polled.count, isLimitReached: state.isLimitReached)
        }
    }

    package func stop() {
        let (inotifyFD, stopWriteFD) = state.withLock { state -> (Int32, Int32) in
            guard !state.isStopped else { return (-1, -1) }
            state.isStopped = true
            defer {
                state.inotifyFD = -1
                state.stopWriteFD = -1
            }
            return (state.inotifyFD, state.stopWriteFD)
        }
        guard inotifyFD >= 0 else { return }
        // Closing the write end wakes the thread (end of file), which closes the inotify descriptor once it is
        // out of poll.
        SystemCalls.closeDescriptor(stopWriteFD)
    }

    // MARK: - The watcher's thread

    /// The changes in a buffer of inotify events.
    fileprivate func changes(in buffer: UnsafeRawBufferPointer) -> [FileChange] {
        var changes: [FileChange] = []
        var offset = 0
        let headerSize = MemoryLayout<inotify_event>.size
        state.withLock { state in
            while offset + headerSize <= buffer.count {
                let descriptor = buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                let nameBytes = UnsafeRawBufferPointer(
                    rebasing: buffer[(offset + headerSize)..<(offset + headerSize + length)])
                offset += headerSize + length
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    changes.append(.overflow)
                    continue
                }
                guard let directory = state.directories[descriptor] else { continue }
                if mask & UInt32(IN_IGNORED) != 0 {
                    // The directory is gone (or no longer watched): the next build's targets add it again.
                    state.directories[descriptor] = nil
                    if state.descriptors[directory] == descriptor { state.descriptors[directory] = nil }
                    continue
                }
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                let path = name.isEmpty ? directory : ProjectPath.join(directory, name)
                let entryMask = UInt32(
                    IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
                changes.append(FileChange(path: path, kind: mask & entryMask != 0 ? .entry : .contents))
            }
        }
        return changes
    }

    /// Examines the polled directories and returns what changed since the last look; `nil` when nothing is
    /// polled (the thread then waits for events only).
    fileprivate func pollChanges() -> [FileChange]? {
        let polled = state.withLock { $0.isStopped ? [:] : $0.polled }
        guard !polled.isEmpty else { return nil }
        var changes: [FileChange] = []
        var looks: [String: Polled] = [:]
        for (directory, previous) in polled {
            let now = look(at: directory, files: Array(previous.files.keys))
            looks[directory] = now
            if now.directory != previous.directory { changes.append(FileChange(path: directory, kind: .entry)) }
            for (file, metadata) in now.files where previous.files[file] != metadata {
                let kind: FileChange.Kind = (metadata == nil) != (previous.files[file] == nil) ? .entry : .contents
                changes.append(FileChange(path: file, kind: kind))
            }
        }
        state.withLock { state in
            for (directory, look) in looks where state.polled[directory] != nil { state.polled[directory] = look }
        }
        return changes
    }

    /// The polling interval in milliseconds, at least 1.
    fileprivate var pollIntervalMilliseconds: Int32 {
        Int32(clamping: max(1, SystemCalls.nanoseconds(pollInterval) / 1_000_000))
    }

    fileprivate var isPolling: Bool { state.withLock { !$0.polled.isEmpty } }

    fileprivate var isStopped: Bool { state.withLock { $0.isStopped } }

    private func look(at directory: String, files: some Collection<String>) -> Polled {
        var looked: [String: FileMetadata?] = [:]
        for file in files { looked[file] = .some(try? fileSystem.metadata(atPath: file)) }
        return Polled(directory: try? fileSystem.metadata(atPath: directory), files: looked)
    }

    private static func unavailable(_ call: String) -> WatchError {
        let code = errno
        return .unavailable(systemCall: call, errno: code, message: SystemCalls.errorMessage(code))
    }
}

/// The watcher thread's loop: waits on the inotify descriptor and the stop pipe, reads, reports.
private final class Reader: Sendable {
    let watcher: InotifyWatcher
    let inotifyFD: Int32
    let stopFD: Int32
    let onChanges: @Sendable ([FileChange]) -> Void

    init(
        watcher: InotifyWatcher, inotifyFD: Int32, stopFD: Int32, onChanges: @escaping @Sendable ([FileChange]) -> Void
    ) {
        self.watcher = watcher
        self.inotifyFD = inotifyFD
        self.stopFD = stopFD
        self.onChanges = onChanges
    }

    func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer {
            buffer.deallocate()
            SystemCalls.closeDescriptor(inotifyFD)
            SystemCalls.closeDescriptor(stopFD)
        }
        var descriptors = [
            pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0),
        ]
        let interval = Int64(watcher.pollIntervalMilliseconds) * 1_000_000
        var nextPoll = SystemCalls.monotonicNanoseconds() + interval
        while true {
            let ready = poll(&descriptors, 2, watcher.isPolling ? watcher.pollIntervalMilliseconds : -1)
            if ready < 0 && errno == EINTR { continue }
            if descriptors[1].revents != 0 {
                // A byte: wake up (polling began); end of file: stop.
                var byte: UInt8 = 0
                if read(stopFD, &byte, 1) == 0 { return }
            }
            if watcher.isStopped { return }
            var changes: [FileChange] = []
            if ready > 0 && descriptors[0].revents != 0 {
                while true {
                    let count = read(inotifyFD, buffer.baseAddress, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    changes += watcher.changes(in: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
            }
            let now = SystemCalls.monotonicNanoseconds()
            if now >= nextPoll {
                // By the clock, not only on poll's timeout: a stream of events must not starve the polled.
                nextPoll = now + interval
                if let polled = watcher.pollChanges() { changes += polled }
            }
            if !changes.isEmpty && !watcher.isStopped { onChanges(changes) }
        }
    }
}
