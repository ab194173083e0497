import AsyncStreams
import Synchronization

/// The one owner of a build's scheduling bookkeeping: attempts, retries, failures, aborts and the events
/// the reporter sees.
///
/// **Isolation.** The state is a ``BuildCoordinatorState`` behind a `Mutex`. It is driven from three
/// places, serialized by that lock: the pool runner's `onComplete`/`onError` callbacks (which the runner
/// calls one at a time on its loop, before it starts more work, so a failure stops new work before the
/// next task is admitted), task bodies announcing that an attempt starts, and the interrupt listener. Each
/// call computes its actions under the lock and performs them after unlocking: graph transitions on the
/// task source (`complete`, `fail(_:retryAfter:)`, `abort`), then events for the reporter.
///
/// **Life cycle.** Create it, build the source whose tasks call back into it, ``attach(_:)`` the source,
/// then run the pool. The source must be attached before the pool starts.
final class BuildCoordinator: Sendable {
    typealias Job = ScheduledTask<Never, AttemptOutcome>
    typealias Source = PriorityDependencySourceObj<String, Job>

    private let state: Mutex<BuildCoordinatorState>
    private let sourceSlot = Mutex<Source?>(nil)
    private let reporter: any ProgressReporter
    private let retryPolicies: [String: AsyncStreams.RetryPolicy]

    /// Creates the coordinator of a build scheduling `instances`.
    /// - Parameters:
    ///   - instances: The scheduled instances.
    ///   - estimates: Their expected durations, in the same order.
    ///   - position: Each instance id's distinct place in `0..<slots` (the graph's index of it).
    init(
        instances: some Collection<TaskInstance>, estimates: [Duration], position: @escaping @Sendable (String) -> Int?,
        slots: Int, keepGoing: Bool, reporter: any ProgressReporter
    ) {
        var maxAttempts: [String: Int] = [:]
        var policies: [String: AsyncStreams.RetryPolicy] = [:]
        for instance in instances where instance.retry.attempts > 1 {
            maxAttempts[instance.id] = instance.retry.attempts
            policies[instance.id] = AsyncStreams.RetryPolicy(
                maxAttempts: instance.retry.attempts, baseDelay: instance.retry.backoff,
                maxDelay: instance.retry.maxBackoff, jitter: Self.jitter)
        }
        self.state = Mutex(
            BuildCoordinatorState(
                keys: instances.map(\.id), estimates: estimates, position: position, slots: slots,
                maxAttempts: maxAttempts, keepGoing: keepGoing))
        self.reporter = reporter
        self.retryPolicies = policies
    }

    /// The fraction of each backoff that is randomised: a delay `d` becomes one in `[0.8 d, d]`, so
    /// tasks that failed together do not retry in lockstep.
    static let jitter = 0.2

    /// Connects the task source; call once, before the pool starts.
    func attach(_ source: Source) {
        sourceSlot.withLock { $0 = source }
    }

    /// Lets go of the source once the pool has finished. The source's tasks hold this coordinator, so
    /// until then the two keep each other (and every task, with what its closure captured) alive.
    func detach() {
        sourceSlot.withLock { $0 = nil }
    }

    // MARK: - Driven by task bodies and the runner

    /// An attempt of `key` starts (its body found work to do); reports `started`.
    func attemptStarted(_ key: String) {
        let actions = state.withLock { $0.attemptStarted(key).actions }
        perform(actions)
    }

    /// The runner's `onComplete`.
    func taskSucceeded(_ key: String, _ outcome: AttemptOutcome) {
        let actions = state.withLock { state in
            switch outcome {
            case .upToDate: state.foundUpToDate(key)
            case .ran(let output, let span): state.attemptSucceeded(key, output: output, span: span)
            case .restored(let span): state.attemptSucceeded(key, output: [], span: span, isRestored: true)
            }
        }
        perform(actions)
    }

    /// The runner's `onError`.
    func taskFailed(_ key: String, _ error: any Error) {
        let attempt: BuildCoordinatorState.FailedAttempt
        switch error {
        case let failure as AttemptFailure:
            attempt = .init(failure: failure.failure, output: failure.output, duration: failure.duration)
        case is CancellationError:
            // The build is being interrupted; the task counts as not completed.
            return
        default:
            attempt = .init(
                failure: TaskFailure(command: "", termination: .exited(1), problem: "\(error)"), output: [],
                duration: .zero)
        }
        let policy = retryPolicies[key]
        let actions = state.withLock { state in
            state.attemptFailed(key, attempt) { failedAttempt in
                var generator = SystemRandomNumberGenerator()
                return policy?.delay(afterFailedAttempt: failedAttempt, using: &generator) ?? .zero
            }
        }
        perform(actions)
    }

    /// SIGINT or SIGTERM: abort everything not running. The caller then cancels the pool run, which
    /// kills the running commands.
    func interrupt(signal: Int32) {
        let actions = state.withLock { $0.interrupt(signal: signal) }
        perform(actions)
    }

    /// Reports a warning.
    func warn(_ message: String) {
        reporter.report(.warning(message))
    }

    /// A copy of the state, to build the summary once the run is over.
    var snapshot: BuildCoordinatorState { state.withLock { $0 } }

    // MARK: - Performing actions

    private func perform(_ actions: [BuildCoordinatorState.Action]) {
        guard !actions.isEmpty else { return }
        let source = sourceSlot.withLock { $0 }
        for action in actions {
            switch action {
            case .report(let event):
                reporter.report(event)
            case .complete(let key):
                do {
                    try source?.complete(key)
                } catch {
                    preconditionFailure("completing '\(key)': \(error)")
                }
            case .retry(let key, let delay):
                do {
                    try source?.fail(key, retryAfter: delay)
                } catch {
                    preconditionFailure("retrying '\(key)': \(error)")
                }
            case .abort(let key):
                let keys = (try? source?.abort(key)) ?? []
                let more = state.withLock { $0.aborted(keys) }
                perform(more)
            case .abortUnlessTaken(let key):
                // Taken by the runner but not yet announced by its body: it is running; let it finish.
                let isTaken = source?.withGraph { graph in (try? graph.state(of: key)) == .running } ?? false
                if isTaken { continue }
                let keys = (try? source?.abort(key)) ?? []
                let more = state.withLock { $0.aborted(keys) }
                perform(more)
            }
        }
    }
}
