/// Receives the events of a build and shows them to someone.
///
/// The build coordinator calls ``report(_:)`` from one task, in event order, and never concurrently
/// with itself; an implementation may also be called from a timer (see ``TerminalReporter/tick()``), so
/// implementations are thread-safe. `report` must not block for long: it runs on the build's hot path.
///
/// Implementations: ``PlainReporter`` (one line per finished task, for logs and pipes),
/// ``TerminalReporter`` (one live status line), ``JSONReporter`` (one JSON object per line).
package protocol ProgressReporter: Sendable {
    /// Shows one event.
    func report(_ event: BuildEvent)
}

/// A reporter that shows nothing, for tests and for `--progress` modes that print elsewhere.
package struct SilentReporter: ProgressReporter {
    /// Creates a silent reporter.
    package init() {}

    /// Ignores the event.
    package func report(_ event: BuildEvent) {}
}
