/// One element of a streaming task body: a progress report or the task's final value.
///
/// Swift async sequences have no return value, so a streaming body ends with an explicit
/// ``final(_:)`` element instead of returning its output the way a generator would.
public enum StreamStep<Progress: Sendable, Output: Sendable>: Sendable {
    /// An intermediate result; the runner forwards it as an `intermediate` envelope.
    case progress(Progress)
    /// The task's output. The runner stops iterating the body's stream after the first `final`.
    case final(Output)
}
