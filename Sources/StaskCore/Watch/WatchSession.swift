import Synchronization

/// `stask build --watch`: builds, then rebuilds after every batch of relevant changes, until interrupted.
///
/// ```swift
/// let session = WatchSession(
///     engine: engine, options: options, watcher: InotifyWatcher(), clock: ContinuousClock(),
///     makeReporter: { PlainReporter(sink: out) }, notify: { print($0) })
/// let signal = try await session.run(interrupts: monitor.signals)  // SIGINT or SIGTERM
/// ```
///
/// **Cycle.** The first build runs at once. Then the session hands the watcher what the build depends on
/// (``BuildSession/targets``), prints the cycle's line (``WatchNotice/cycle(_:)``), and waits for the next
/// batch of relevant changes (``ChangeCoalescer``: one batch per `quietPeriod` without a change). A failed
/// build, a Taskfile that no longer loads, a failed task: each is reported and the watch goes on.
///
/// **Changes during a build** are kept for the next batch: the running commands finish and the next build
/// starts as soon as the changes are quiet. With `restartsOnChange`, the first relevant change stops the
/// running build (its commands are killed as by Ctrl-C, nothing is recorded for them) and the next build
/// starts after the quiet period.
///
/// **Interrupts.** The first value on `interrupts` cancels the session: a running build stops (its commands'
/// process groups get SIGTERM, then SIGKILL), the state is saved, the lock released, the watcher stopped,
/// and `run` returns the signal.
///
/// The session runs on the caller's task; the watcher calls back on its own thread, where changes are
/// filtered (a copy of the current ``WatchClassifier``) and added to the coalescer.
package struct WatchSession<C: Clock>: Sendable where C.Duration == Duration {
    package var engine: BuildEngine
    package var options: BuildOptions
    package var watcher: any FileWatcher
    package var quietPeriod: Duration
    package var restartsOnChange: Bool
    package var clock: C
    /// A fresh reporter for each build (a terminal's status line ends with its build's summary).
    package var makeReporter: @Sendable () -> any ProgressReporter
    /// Receives each cycle's report and the session's warnings.
    package var notify: @Sendable (WatchNotice) -> Void

    /// Creates a session; see the type's documentation for the parameters' roles.
    package init(
        engine: BuildEngine, options: BuildOptions, watcher: any FileWatcher, quietPeriod: Duration = .milliseconds(50),
        restartsOnChange: Bool = false, clock: C, makeReporter: @escaping @Sendable () -> any ProgressReporter,
        notify: @escaping @Sendable (WatchNotice) -> Void
    ) {
        self.engine = engine
        self.options = options
        self.watcher = watcher
        self.quietPeriod = quietPeriod
        self.restartsOnChange = restartsOnChange
        self.clock = clock
        self.makeReporter = makeReporter
        self.notify = notify
    }

    /// Watches and builds until the first interrupt, which it returns (`nil` when `interrupts` ended).
    ///
    /// - Throws: what ``BuildEngine/openSession(_:reporter:)`` throws (nothing to watch: the Taskfile is
    ///   wrong at the start, or the lock is held with `noWait`), or the watcher's start error.
    package func run(interrupts: AsyncStream<Int32>) async throws -> Int32? {
        let control = Control()
        let coalescer = ChangeCoalescer(quietPeriod: quietPeriod, clock: clock)
        try watcher.start { [restartsOnChange] changes in
            let relevant = control.classifier.relevant(changes)
            guard !relevant.isEmpty else { return }
            coalescer.add(relevant)
            if restartsOnChange { control.restart() }
        }
        defer { watcher.stop() }
        return try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await signal in interrupts {
                    control.interrupted(by: signal)
                    return signal
                }
                return nil
            }
            group.addTask {
                try await loop(control: control, coalescer: coalescer)
                return nil
            }
            // The first child to end decides: a signal cancels the loop (and with it a running build).
            let first = try await group.next() ?? nil
            group.cancelAll()
            while let other = try await group.next() {
                _ = other
            }
            return first ?? control.signal
        }
    }

    private func loop(control: Control, coalescer: ChangeCoalescer<C>) async throws {
        let session = try await engine.openSession(options, reporter: makeReporter())
        defer { engine.closeSession(session) }
        control.classifier = session.classifier(isExact: restartsOnChange)
        var isLimitWarned = false
        watchTargets(of: session, isLimitWarned: &isLimitWarned)
        var changes: [FileChange] = []
        while !Task.isCancelled {
            let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .unbounded)
            control.buildStarts(continuation)
            let cycle = await engine.runCycle(session, changes: changes, reporter: makeReporter(), interrupts: stream)
            control.buildEnded()
            control.classifier = session.classifier(isExact: restartsOnChange)
            watchTargets(of: session, isLimitWarned: &isLimitWarned)
            if let cycle { notify(.cycle(cycle)) }
            guard let next = await coalescer.next() else { break }
            changes = next
        }
    }

    private func watchTargets(of session: BuildSession, isLimitWarned: inout Bool) {
        guard let targets = session.takeChangedTargets() else { return }
        let coverage = watcher.watch(targets)
        if coverage.isLimitReached && !isLimitWarned {
            isLimitWarned = true
            notify(
                .warning(
                    "the inotify watch limit is reached (fs.inotify.max_user_watches): \(coverage.polled) "
                        + "director\(coverage.polled == 1 ? "y is" : "ies are") polled instead; raise the limit, "
                        + "e.g. 'sysctl fs.inotify.max_user_watches=524288', to be told of changes at once"))
        }
    }

    /// What the watcher's thread, the interrupt listener and the loop share.
    private final class Control: Sendable {
        private struct State {
            var classifier = WatchClassifier.keepingEverything
            var build: AsyncStream<Int32>.Continuation?
            var isRestartRequested = false
            var signal: Int32?
        }

        private let state = Mutex(State())

        var classifier: WatchClassifier {
            get { state.withLock { $0.classifier } }
            set { state.withLock { $0.classifier = newValue } }
        }

        var signal: Int32? { state.withLock { $0.signal } }

        func buildStarts(_ continuation: AsyncStream<Int32>.Continuation) {
            state.withLock {
                $0.build = continuation
                $0.isRestartRequested = false
            }
        }

        func buildEnded() {
            let build = state.withLock { $0.build.take() }
            build?.finish()
        }

        /// Stops the running build, once, for a restart.
        func restart() {
            let build = state.withLock { state -> AsyncStream<Int32>.Continuation? in
                guard !state.isRestartRequested, let build = state.build else { return nil }
                state.isRestartRequested = true
                return build
            }
            build?.yield(WatchSession.restartSignal)
        }

        /// Notes the signal and hands it to the running build, so that its summary names it.
        func interrupted(by signal: Int32) {
            let build = state.withLock { state -> AsyncStream<Int32>.Continuation? in
                if state.signal == nil { state.signal = signal }
                return state.build
            }
            build?.yield(signal)
        }
    }
}

extension WatchSession {
    /// The value a restart interrupts a build with (`--watch-restart`); summaries name it as a change.
    package static var restartSignal: Int32 { 0 }
}

/// What a ``WatchSession`` tells its user besides the builds' own events.
package enum WatchNotice: Sendable, Hashable {
    /// A build ended (or its Taskfile did not load): its one summary line.
    case cycle(WatchCycle)
    /// Something to know that does not stop the watch (the watch limit was reached).
    case warning(String)
}
