import AsyncStreams
import Synchronization

/// Runs a build's scheduled instances: the one place that touches AsyncStreams' runner.
///
/// It builds the `DependencyGraph` of the scheduled instances with critical-path priorities
/// (``CriticalPath``), wraps it in the coordinator's source, and drives a `ScheduledTaskPoolRunner` under
/// the plan's budget (`ResourceCapacitySource`) on the launcher's task executor when it has one. Every
/// task's end reaches the ``BuildCoordinator`` through callbacks; the coordinator owns the build's state.
///
/// **Interrupts.** The first signal from `interrupts` stops new work and cancels the run, whose cancellation
/// kills the running commands' process groups; cancelling the calling task does the same, as SIGINT.
struct BuildScheduler {
    /// The build's plan.
    let plan: BuildPlan
    /// Plan positions of the instances to run, in dependency order.
    let scheduled: [Int]
    /// Estimated duration by plan position.
    let estimates: [Duration]
    /// The `mem` (bytes) each instance is charged, by plan position: its declared `cost.mem`, else its peak
    /// resident memory in past runs, at most the whole budget; empty when the budget has no `mem`.
    var memoryCharges: [Double] = []
    /// Runs one instance.
    let executor: InstanceExecutor
    /// Whether a failure stops only its dependents (`-k`) rather than all new work.
    let keepGoing: Bool
    /// Receives every event.
    let reporter: any ProgressReporter

    /// Runs the scheduled instances to the end (or to an interrupt) and returns what the coordinator saw.
    ///
    /// - Throws: `GraphError` or `CapacityError` when the plan cannot be scheduled (a cost above the budget
    ///   was rejected earlier, so this is a programming error surfaced as an error).
    func run(interrupts: AsyncStream<Int32>?) async throws -> BuildCoordinatorState {
        // A view, not a copy: at 100,000 targets a copy of the instances is about 25 MB.
        let instances = scheduled.lazy.map { plan.instance($0) }
        let graph = plan.graph
        let coordinator = BuildCoordinator(
            instances: instances, estimates: scheduled.map { estimates[$0] }, position: { graph.index(of: $0) },
            slots: graph.instances.count, keepGoing: keepGoing, reporter: reporter)
        let source = try makeSource(coordinator: coordinator)
        coordinator.attach(source)
        let capacity = try ResourceCapacitySource(limits: plan.graph.budget)
        executor.wholeMemory?.attach(capacity)
        executor.remoteExecution?.fallback.attach(capacity)
        executor.cpuLender?.attach(capacity) { source.peek() != nil }
        let runner = ScheduledTaskPoolRunner(name: "stask", source: source, capacity: capacity)

        await withTaskGroup(of: RunEnding.self) { group in
            group.addTask {
                do {
                    // The coordinator hears of every task through its callbacks: no envelopes, so a step
                    // that ends wakes no consumer.
                    // On the launcher's executor when it has one: the thread that reaps a step's command
                    // then also finishes the step and spawns the next, with no switch between threads.
                    try await withTaskExecutorPreference(executor.launcher.taskExecutor) {
                        try await runner.runToCompletion(stopOnError: false)
                    }
                } catch {
                    // stopOnError is false: task errors arrive through onError, never here.
                }
                return .finished
            }
            if let lender = executor.cpuLender {
                // Open jobservers look again whenever a unit comes free or a step becomes ready.
                group.addTask {
                    await withTaskGroup(of: Void.self) { watchers in
                        watchers.addTask { for await _ in capacity.changes() { lender.notifyChange() } }
                        watchers.addTask { for await _ in source.changes() { lender.notifyChange() } }
                    }
                    return .watcherEnded
                }
            }
            if let interrupts {
                group.addTask {
                    for await signal in interrupts {
                        coordinator.interrupt(signal: signal)
                        return .interrupted
                    }
                    return .interruptsEnded
                }
            }
            while let ending = await group.next() {
                switch ending {
                case .finished:
                    group.cancelAll()  // stops the interrupt listener
                case .interrupted:
                    group.cancelAll()  // cancels the run: running commands are killed and reaped
                case .interruptsEnded, .watcherEnded:
                    break
                }
            }
        }
        if Task.isCancelled { coordinator.interrupt(signal: 2) }
        coordinator.detach()
        return coordinator.snapshot
    }

    /// The task source of a build: the scheduled instances' graph, one job each, critical-path priorities.
    ///
    /// A function of its own so that what only building the source needs (the job table, positions, the
    /// scheduled set: at 100,000 targets some 30 MB) is gone before the first task runs.
    private func makeSource(coordinator: BuildCoordinator) throws -> BuildCoordinator.Source {
        let isScheduled = Set(scheduled)
        let (plan, scheduled, estimates, executor, memoryCharges) = (
            plan, scheduled, estimates, executor, memoryCharges
        )
        let instances = scheduled.lazy.map { plan.instance($0) }
        // Critical-path priorities over the scheduled subset (in dependency order, so positions work as
        // local indices for CriticalPath).
        var position: [Int: Int] = [:]
        position.reserveCapacity(scheduled.count)
        for (offset, local) in scheduled.enumerated() { position[local] = offset }
        let priorities = CriticalPath.priorities(
            estimates: scheduled.map { InstanceExecutor.seconds(estimates[$0]) },
            bonuses: instances.map(\.priority),
            dependents: scheduled.map { local in plan.dependents[local].compactMap { position[$0] } })
        // Read only while the source is built (it evaluates each node's priority once, and stask adds no node
        // later), then dropped: at 100,000 targets the table is some 6 MB the build would otherwise keep.
        // Kept for the remote slots' order only when the build has a cluster (at 100,000 targets, 800 KB).
        let remotePriorities = executor.remoteExecution == nil ? [] : priorities
        let priorityByID = PriorityTable(Dictionary(uniqueKeysWithValues: zip(instances.map(\.id), priorities)))
        defer { priorityByID.release() }

        let graph = DependencyGraph<String>()
        var jobs: [String: BuildCoordinator.Job] = [:]
        jobs.reserveCapacity(scheduled.count)
        // One shared closure over the executor: a job captures only it and its position, not a copy of
        // the executor and the instance each (about 600 bytes a job).
        let runInstance: @Sendable (Int) async throws -> AttemptOutcome = { offset in
            let local = scheduled[offset]
            let instance = plan.instance(local)
            let charge = memoryCharges.isEmpty ? 0 : memoryCharges[local]
            return try await executor.run(
                instance, memoryCharge: charge, priority: remotePriorities.isEmpty ? 0 : remotePriorities[offset]
            ) {
                coordinator.attemptStarted(instance.id)
            }
        }
        let onComplete: @Sendable (TaskSourceHandle, AttemptOutcome) -> Void = { coordinator.taskSucceeded($0.key, $1) }
        let onError: @Sendable (TaskSourceHandle, any Error) -> Void = { coordinator.taskFailed($0.key, $1) }
        for (offset, local) in scheduled.enumerated() {
            let instance = instances[offset]
            let dependencies = plan.dependencies[local].filter(isScheduled.contains).map { plan.instance($0).id }
            try graph.addNode(instance.id, dependencies: dependencies)
            var cost = instance.cost
            if executor.remoteExecution != nil && RemoteExecution.isEligible(instance) {
                // Nothing of this machine's budget: it waits for a slot of the cluster (RemoteSlots), and one the
                // cluster cannot run takes its local cost before it runs here (LocalFallbackBudget).
                cost = [:]
            } else if !memoryCharges.isEmpty {
                cost[MemorySyntax.resource] = memoryCharges[local]
            }
            jobs[instance.id] = BuildCoordinator.Job(
                key: instance.id, cost: cost, run: { try await runInstance(offset) },
                onComplete: onComplete, onError: onError)
        }
        return try BuildCoordinator.Source(graph: graph, tasks: jobs, priority: { key, _ in priorityByID[key] })
    }

    /// Instance id → critical-path priority, until released (then every priority reads 0).
    private final class PriorityTable: Sendable {
        private let table: Mutex<[String: Double]>

        init(_ table: [String: Double]) {
            self.table = Mutex(table)
        }

        subscript(id: String) -> Double { table.withLock { $0[id] ?? 0 } }

        func release() {
            table.withLock { $0 = [:] }
        }
    }

    private enum RunEnding: Sendable {
        case finished, interrupted, interruptsEnded, watcherEnded
    }
}
