import Glibc
import StaskCore
import StaskTestSupport
import Testing

@testable import StaskPosix

@Suite(.timeLimit(.minutes(1))) struct BuildLockTests {
    @Test func secondLockWithoutWaitingFailsAtOnceNamingTheHolder() async throws {
        let dir = try ScratchDirectory()
        let path = dir.path
        let first = try await BuildLock.acquire(directory: path, wait: false)
        #expect(first.isHeld)
        #expect(first.path == dir.appending(BuildLock.fileName))
        await #expect(throws: BuildStateError.locked(path: first.path, holder: getpid())) {
            try await BuildLock.acquire(directory: path, wait: false)
        }
        first.release()
        // Waiting: a process that another test is spawning right now may hold a copy of the descriptor
        // (and with it the lock) between its fork and its exec, which closes it.
        let again = try await BuildLock.acquire(directory: path, wait: true)
        #expect(again.isHeld)
        again.release()
    }

    @Test func waitingLockReportsOnceAndProceedsWhenTheHolderReleases() async throws {
        let dir = try ScratchDirectory()
        let path = dir.path
        let first = try await BuildLock.acquire(directory: path, wait: false)
        let (waiting, waitingContinuation) = AsyncStream.makeStream(of: Void.self)
        let second = Task {
            var reports = 0
            let lock = try await BuildLock.acquire(directory: path, wait: true) {
                reports += 1
                waitingContinuation.yield()
            }
            return (lock, reports)
        }
        // Gate: release only once the second acquire has found the lock taken and started waiting.
        for await _ in waiting { break }
        first.release()
        let (lock, reports) = try await second.value
        #expect(reports == 1)
        #expect(lock.isHeld)
        await #expect(throws: BuildStateError.self) { try await BuildLock.acquire(directory: path, wait: false) }
        lock.release()
    }

    @Test func uncontendedWaitingLockDoesNotReportWaiting() async throws {
        let dir = try ScratchDirectory()
        var reports = 0
        let lock = try await BuildLock.acquire(directory: dir.appending("new/.stask"), wait: true) { reports += 1 }
        #expect(reports == 0)
        #expect(lock.isHeld)
    }

    @Test func cancellingAWaitEndsIt() async throws {
        let dir = try ScratchDirectory()
        let path = dir.path
        let first = try await BuildLock.acquire(directory: path, wait: false)
        let (waiting, waitingContinuation) = AsyncStream.makeStream(of: Void.self)
        let second = Task {
            try await BuildLock.acquire(directory: path, wait: true) { waitingContinuation.yield() }
        }
        for await _ in waiting { break }
        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        #expect(first.isHeld)
        first.release()
    }

    @Test func droppingTheLockReleasesIt() async throws {
        let dir = try ScratchDirectory()
        let path = dir.path
        do {
            let scoped = try await BuildLock.acquire(directory: path, wait: false)
            #expect(scoped.isHeld)
        }
        // Waiting, as above: a child being spawned may hold the descriptor until its exec.
        let next = try await BuildLock.acquire(directory: path, wait: true)
        next.release()
        next.release()
        #expect(!next.isHeld)
    }

    @Test func lockDirectoryThatCannotBeCreatedIsAnError() async throws {
        let dir = try ScratchDirectory()
        try LocalFileSystem().writeFile(atPath: dir.appending("file"), contents: [])
        let path = dir.appending("file/.stask")
        await #expect(
            throws: BuildStateError.notWritable(
                path: path,
                underlying: .systemCall(path: path, operation: "mkdir", errno: ENOTDIR))
        ) {
            try await BuildLock.acquire(directory: path, wait: false)
        }
    }

    @Test func lockedMessageTellsWhatToDo() {
        let error = BuildStateError.locked(path: "/p/.stask/lock", holder: 42)
        #expect(error.description.hasPrefix("/p/.stask/lock: another stask (pid 42) is building in this directory"))
    }
}
