/// What one successful attempt of a scheduled instance produced, as its task body returns it.
enum AttemptOutcome: Sendable {
    /// The commands ran and succeeded; the record was written.
    case ran(output: [UInt8], span: CriticalPath.Span)
    /// The instance was up to date when its turn came (early cutoff); nothing ran.
    case upToDate
    /// The outputs came from the remote cache and the record was written; nothing ran.
    case restored(span: CriticalPath.Span)
}

/// An attempt whose command failed (or that did not create a declared output), as its task body throws it.
///
/// A failing command is a result, not an error of stask; it travels as an error only because the pool
/// runner reports a task's failure that way.
struct AttemptFailure: Error, Sendable {
    var failure: TaskFailure
    var output: [UInt8]
    var duration: Duration
}
