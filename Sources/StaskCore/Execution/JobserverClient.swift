import Synchronization

/// The job slots of a GNU make jobserver that stask runs under (`make -jN` with stask in a recipe).
///
/// Make hands every job it starts one slot: the first comes free (the "implicit" token), every other one is
/// a token read from the jobserver and written back when the job ends. stask counts as one job of the tree:
/// its first running command uses the implicit token, and each command running beside it first takes a
/// token, so the whole tree never runs more than N jobs. StaskPosix's `MakeJobserverClient` speaks the
/// protocol; tests use a fake.
package protocol JobserverClient: Sendable {
    /// Waits for a token and returns it; `nil` when the jobserver is gone (then commands run without
    /// one, under stask's own budget).
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled while waiting.
    func acquireToken() async throws -> UInt8?

    /// Gives a token back to the jobserver.
    func releaseToken(_ token: UInt8)

    /// `environment` with `MAKEFLAGS` (and `CARGO_MAKEFLAGS`) naming this jobserver, for a task marked
    /// `jobserver:`: under make, a nested build takes its tokens from make itself, so the tree stays
    /// within make's `-jN`.
    func environmentForNestedBuild(_ environment: [String: String]) -> [String: String]

    /// The descriptors a nested build inherits to reach this jobserver: child descriptor → stask's.
    var descriptorsForNestedBuild: [Int32: Int32] { get }
}
