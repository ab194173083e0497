/// The outcome of a whole build, reported last and returned by the engine.
///
/// Counts are of task instances. `built` counts instances whose commands ran and succeeded (flaky ones
/// included); `upToDate` counts instances skipped because nothing changed, whether found before the
/// build started or by early cutoff during it; `restored` counts instances whose outputs came from the
/// remote cache instead of running.
package struct BuildSummary: Sendable, Hashable {
    /// Instances whose commands ran successfully.
    package var built: Int
    /// Instances that needed no work.
    package var upToDate: Int
    /// Instances whose outputs were fetched from the remote cache.
    package var restored: Int
    /// Instances that failed at least once and then succeeded, in the order they finished.
    package var flaky: [String]
    /// Instances that failed on their last attempt, in the order they failed.
    package var failed: [String]
    /// Instances that never ran because a dependency failed or the build stopped early.
    package var aborted: Int
    /// Wall-clock time from the start of the build to its end.
    package var wallTime: Duration
    /// The realised critical path: the chain of instances, each waiting on the previous one, that ended
    /// last; empty when nothing ran.
    package var criticalPath: [CriticalPathStep]
    /// The signal (SIGINT 2, SIGTERM 15) that interrupted the build, if one did.
    package var interruptingSignal: Int32?
    /// The remote cache's traffic, when the build used one.
    package var remoteCache: RemoteCacheStatistics?
    /// What the remote executor did, when the build used one and ran something.
    package var remoteExecution: RemoteExecutionStatistics?
    /// Up to three steps of the critical path whose speed-up would shorten the build most, largest first;
    /// each ``CriticalPathStep/duration`` is the saving: how much shorter the longest chain of tasks
    /// would be if that step took no time (another chain may then become the longest, which caps it).
    package var speedups: [CriticalPathStep]

    /// Creates a summary.
    package init(
        built: Int = 0, upToDate: Int = 0, restored: Int = 0, flaky: [String] = [], failed: [String] = [],
        aborted: Int = 0, wallTime: Duration = .zero, criticalPath: [CriticalPathStep] = [],
        interruptingSignal: Int32? = nil, remoteCache: RemoteCacheStatistics? = nil, speedups: [CriticalPathStep] = []
    ) {
        self.speedups = speedups
        self.built = built
        self.upToDate = upToDate
        self.restored = restored
        self.flaky = flaky
        self.failed = failed
        self.aborted = aborted
        self.wallTime = wallTime
        self.criticalPath = criticalPath
        self.interruptingSignal = interruptingSignal
        self.remoteCache = remoteCache
    }

    /// Whether every selected instance is built or up to date and the build was not interrupted.
    package var isSuccess: Bool { failed.isEmpty && aborted == 0 && interruptingSignal == nil }

    /// The total duration of the realised critical path.
    package var criticalPathDuration: Duration {
        criticalPath.reduce(.zero) { $0 + $1.duration }
    }
}

/// One step of the realised critical path.
package struct CriticalPathStep: Sendable, Hashable {
    /// The task instance identifier.
    package var id: String
    /// How long its last attempt ran.
    package var duration: Duration

    /// Creates a step.
    package init(id: String, duration: Duration) {
        self.id = id
        self.duration = duration
    }
}
