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
        let result = await perform(body, taskID: taskID, key: key, channel: channel)
        channel.push(.finished(taskID: taskID, result))
    }

    /// Invokes `body`, pushes its progress events into `channel`, and returns its outcome.
    @inlinable
    static func perform<Progress: Sendable, Output: Sendable>(
        _ body: TaskBody<Progress, Output>,
        taskID: Int,
        key: String?,
        channel: PoolEventChannel<Progress, Output>
    ) async -> Result<Output, any Error> {
        switch body {
        case .oneShot(let function):
            do {
                return .success(try await function())
            } catch {
                return .failure(error)
            }
        case .streaming(let makeStream):
            do {
                for try await step in makeStream() {
                    switch step {
                    case .progress(let progress):
                        channel.push(.progress(taskID: taskID, progress))
                    case .final(let output):
                        // The first final value ends the task; the stream is cancelled by dropping it.
                        return .success(output)
                    }
                }
                return .failure(TaskPoolError.missingFinalValue(key: key))
            } catch {
                return .failure(error)
            }
        }
    }
}
