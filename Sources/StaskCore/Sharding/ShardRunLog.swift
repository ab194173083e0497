import Synchronization

/// What the shard runs of one build learned about their items, gathered as they finish, for the end of
/// the build: one warning per task whose JUnit reports had cases naming no item, and the task's
/// ``ShardTiming`` in `.stask/shard-timing.json`.
///
/// Shared by the instances running concurrently: ``record(task:shard:of:items:_:)`` may be called from any
/// task; reading (``runs``) is for after the scheduler has finished.
package final class ShardRunLog: Sendable {
    /// One finished shard run.
    package struct Run: Sendable, Hashable {
        /// The task's name.
        package var task: String
        /// The shard's 0-based index.
        package var shard: Int
        /// The task's shard count.
        package var shardCount: Int
        /// The shard's items.
        package var items: [String]
        /// What the run taught about them.
        package var learned: ShardDurationLearning.Learned
    }

    private let storage = Mutex<[Run]>([])

    /// Creates an empty log.
    package init() {}

    /// Adds a finished run of shard `shard` of `count` of `task`.
    package func record(
        task: String, shard: Int, of count: Int, items: [String], _ learned: ShardDurationLearning.Learned
    ) {
        let run = Run(task: task, shard: shard, shardCount: count, items: items, learned: learned)
        storage.withLock { $0.append(run) }
    }

    /// The runs in the order they finished.
    package var runs: [Run] { storage.withLock { $0 } }

    /// The runs' unattributed cases by task, for the tasks that had some, in task-name order, each run's in
    /// shard order.
    package var unattributedByTask: [(task: String, cases: UnattributedTestCases)] {
        let runs = self.runs.sorted { ($0.task, $0.shard) < ($1.task, $1.shard) }
        var result: [(task: String, cases: UnattributedTestCases)] = []
        for run in runs where !run.learned.unattributed.isEmpty {
            if result.last?.task == run.task {
                result[result.count - 1].cases = result[result.count - 1].cases.adding(run.learned.unattributed)
            } else {
                result.append((run.task, run.learned.unattributed))
            }
        }
        return result
    }
}
