/// Runs one task body as a child of a pool runner's task group and reports its events.
@usableFromInline
enum PoolChild {
    /// Invokes `body` and pushes its progress and exactly one `finished` event into `channel`.
    @inlinable
    static func run<Progress: Sendable, Output: Sendable>(
        _ body: TaskBody<Progress, Output>,
        taskID: Int,
        key: String?,
        channel: PoolEventChannel<Progress, Output>
    ) async {
        switch body {
        case .oneShot(let function):
            do {
                let output = try await function()
                channel.push(.finished(taskID: taskID, .success(output)))
            } catch {
                channel.push(.finished(taskID: taskID, .failure(error)))
            }
        case .streaming(let makeStream):
            do {
                for try await step in makeStream() {
                    switch step {
                    case .progress(let progress):
                        channel.push(.progress(taskID: taskID, progress))
                    case .final(let output):
                        // The first final value ends the task; the stream is cancelled by dropping it.
                        channel.push(.finished(taskID: taskID, .success(output)))
                        return
                    }
                }
                channel.push(.finished(taskID: taskID, .failure(TaskPoolError.missingFinalValue(key: key))))
            } catch {
                channel.push(.finished(taskID: taskID, .failure(error)))
            }
        }
    }
}
