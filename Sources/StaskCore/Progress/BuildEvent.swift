/// One thing that happened during a build, as reporters see it.
///
/// The build coordinator emits events in the order they happen, from one place, so a reporter sees a
/// consistent story: `planned` first, then `started`/`finished`/`retrying`/`aborted`/`flaky` as tasks
/// progress, and `summary` last. Task instances are named by their instance identifier
/// (`compile[src/a.c]`, `link`).
///
/// Not every task gets a `started` event: an instance found up to date before the build starts is only
/// counted in `planned(total:upToDate:estimatedWork:)`; one found up to date when its turn comes (early
/// cutoff, because its dependencies came out byte-identical) gets `finished` with ``TaskOutcome/upToDate``
/// and no `started`.
///
/// With a remote cache, `started` comes before the cache lookup: an instance whose outputs the cache
/// restores shows `started`, then `finished` with ``TaskOutcome/restored``. A `finished` event's duration is
/// its commands' time (for a restored instance, the lookup and restore), never the lookup before commands.
package enum BuildEvent: Sendable, Hashable {
    /// The build is planned: `total` instances were selected, `upToDate` of them need no work, and the
    /// others are estimated to take `estimatedWork` in total (sum of recorded or guessed durations).
    case planned(total: Int, upToDate: Int, estimatedWork: Duration)

    /// These instances were found up to date before the build started and will not run; reported once,
    /// right after `planned`, when there are any (their count is `planned`'s `upToDate`).
    case skipped(ids: [String])

    /// An attempt of a task started (`attempt` counts from 1); `estimate` is its expected duration.
    case started(id: String, attempt: Int, estimate: Duration)

    /// A task reached its final outcome after `duration` (of its last attempt's commands, from the first
    /// command's start; a remote cache lookup before them is not counted); `output` is everything its commands
    /// wrote to standard output and standard error, interleaved as written.
    case finished(id: String, outcome: TaskOutcome, duration: Duration, output: [UInt8])

    /// An attempt failed and the task will run again after `delay`, holding no budget meanwhile.
    case retrying(id: String, failedAttempt: Int, failure: TaskFailure, delay: Duration, output: [UInt8])

    /// These tasks will not run: a dependency failed, or the build stopped at the first failure.
    case aborted(ids: [String])

    /// The task failed at least once and then succeeded.
    case flaky(id: String)

    /// Something the user should know that does not stop the build: a corrupt state file that forces a
    /// full rebuild, waiting for another stask's lock. Reporters print `stask: warning: <message>`.
    case warning(String)

    /// The build is over; always the last event.
    case summary(BuildSummary)
}

/// How a task instance ended.
package enum TaskOutcome: Sendable, Hashable {
    /// Its commands ran and all exited with status 0.
    case succeeded
    /// A command failed on the last allowed attempt.
    case failed(TaskFailure)
    /// Its action key came out unchanged once its dependencies had run (early cutoff): nothing ran.
    case upToDate
    /// Its outputs were fetched from the remote cache and verified: nothing ran.
    case restored
}

/// Which command of a task failed, and how.
///
/// A task exiting non-zero is a result to report, not an error of stask. A task whose commands all
/// succeeded can still fail when it did not create a declared output; ``problem`` then says so.
package struct TaskFailure: Sendable, Hashable, CustomStringConvertible {
    /// The failing command, as run (after placeholder expansion); the last command when ``problem`` is set.
    package var command: String
    /// How it ended: an exit status, a signal, or a timeout.
    package var termination: ProcessTermination
    /// What went wrong when it was not the command's exit status, e.g.
    /// `did not create declared output 'build/a.o'` or `cannot run 'cc' (errno 2)`.
    package var problem: String?

    /// Creates a failure record.
    package init(command: String, termination: ProcessTermination, problem: String? = nil) {
        self.command = command
        self.termination = termination
        self.problem = problem
    }

    /// `exit status 1`, `killed by signal 9`, `timed out`, or the ``problem``.
    package var description: String { problem ?? termination.description }
}

/// How a process ended, as reported by ``ProcessLauncher``.
package typealias ProcessTermination = ProcessResult.Termination
