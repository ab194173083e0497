import Foundation

/// A `TaskExecutor` that runs its jobs, in order, on one thread of its own: a stand-in for the process
/// launcher's event loop in engine tests, where the scripted launcher starts no process.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `threadNumber` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var isStopped = false
    private var threadNumber: UInt?

    init() {
        let thread = Thread { [self] in run() }
        thread.start()
    }

    /// The executor's thread (`pthread_self` there), once it started.
    var thread: UInt? {
        condition.lock()
        defer { condition.unlock() }
        return threadNumber
    }

    /// The calling thread, comparable with ``thread``.
    static var currentThread: UInt { UInt(bitPattern: Int(bitPattern: pthread_self())) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs queued so far have run.
    func stop() {
        condition.lock()
        isStopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        condition.lock()
        threadNumber = Self.currentThread
        condition.unlock()
        while true {
            condition.lock()
            while jobs.isEmpty && !isStopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll()
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
