import Synchronization

/// The uploads of tasks that succeeded, run beside the build so that no task (and none of its dependents)
/// waits for the network.
///
/// **Life cycle.** The engine runs ``drain()`` as a child task for the whole scheduling phase; the
/// executor ``enqueue(_:wallTime:)``s each success after recording it; when the last task has ended the
/// engine calls ``finish(discardingPending:)`` and awaits the drain, so a build ends only once its uploads
/// are done. On an interrupt, pending uploads are dropped (`discardingPending`), and cancelling the drain
/// cuts running ones short. At most ``concurrency`` uploads run at once; their network work happens on the
/// cache's own threads, off the cooperative pool.
final class RemoteCacheUploads: Sendable {
    /// Uploads running at once.
    static let concurrency = 2

    private struct Upload: Sendable {
        var action: RemoteCacheAction
        var wallTime: Duration
    }

    private let cache: any RemoteCache
    private let stream: AsyncStream<Upload>
    private let continuation: AsyncStream<Upload>.Continuation
    private let isDiscarding = Mutex(false)

    init(cache: any RemoteCache) {
        self.cache = cache
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Queues the upload of a task that succeeded.
    func enqueue(_ action: RemoteCacheAction, wallTime: Duration) {
        continuation.yield(Upload(action: action, wallTime: wallTime))
    }

    /// No more uploads will come; with `discardingPending`, queued ones that have not started are dropped.
    func finish(discardingPending: Bool) {
        if discardingPending { isDiscarding.withLock { $0 = true } }
        continuation.finish()
    }

    /// Runs the queued uploads until ``finish(discardingPending:)`` (or cancellation).
    func drain() async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await upload in stream {
                if isDiscarding.withLock({ $0 }) { break }
                if running == Self.concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.cache.store(upload.action, wallTime: upload.wallTime) }
                running += 1
            }
        }
    }
}
