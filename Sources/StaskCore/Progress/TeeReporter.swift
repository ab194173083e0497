/// Passes every event to several reporters, in order: the user's reporter and the `--trace` recorder.
package struct TeeReporter: ProgressReporter {
    private let reporters: [any ProgressReporter]

    /// Creates a reporter forwarding to each of `reporters`, in this order.
    package init(_ reporters: [any ProgressReporter]) {
        self.reporters = reporters
    }

    /// Reports `event` to every reporter.
    package func report(_ event: BuildEvent) {
        for reporter in reporters { reporter.report(event) }
    }
}
