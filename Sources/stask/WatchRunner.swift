import Foundation
import StaskCore
import StaskPosix
import Synchronization

/// Runs `stask build --watch`: a ``WatchSession`` over inotify, the local engine and this terminal, with
/// SIGINT/SIGTERM ending it and, on a terminal, the status line kept ticking while a build runs.
struct WatchRunner {
    var options: BuildOptions
    var progress: ProgressMode
    var quietPeriod: Duration
    var restartsOnChange: Bool

    /// Watches until interrupted; returns the signal that ended the watch.
    func run() async throws -> Int32? {
        let monitor = try InterruptMonitor()
        defer { monitor.uninstall() }
        let progress = progress
        let isJSON = progress.resolved == .json
        let sink = FileDescriptorSink(fileDescriptor: 1)
        let terminal = CurrentTerminal()
        // A hidden knob for tests of the polling fallback: watch at most this many directories by notification.
        let watchLimit = ProcessEnvironment.value("STASK_WATCH_LIMIT").flatMap(Int.init)
        var engine = BuildEngine.local()
        engine.joinMakeJobserver(hasExplicitCPU: options.budgetOverrides["cpu"] != nil) {
            StandardError.write("stask: warning: \($0)\n")
        }
        let session = WatchSession(
            engine: engine, options: options, watcher: InotifyWatcher(watchLimit: watchLimit),
            quietPeriod: quietPeriod, restartsOnChange: restartsOnChange, clock: ContinuousClock(),
            makeReporter: {
                let reporters = progress.makeReporters()
                terminal.reporter.withLock { $0 = reporters.terminal }
                return reporters.reporter
            },
            notify: { notice in
                switch notice {
                case .cycle(let cycle):
                    sink.write(isJSON ? cycle.jsonLine : cycle.line)
                case .warning(let message):
                    progress.makeReporter().report(.warning(message))
                }
            })
        guard progress.resolved == .tty else { return try await session.run(interrupts: monitor.signals) }
        return try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                // Keeps the running build's ETA and running times current between events.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    terminal.reporter.withLock { $0 }?.tick()
                }
                return nil
            }
            defer { group.cancelAll() }
            return try await session.run(interrupts: monitor.signals)
        }
    }
}

/// The terminal reporter of the build running now, for the ticker.
private final class CurrentTerminal: Sendable {
    let reporter = Mutex<TerminalReporter?>(nil)
}
