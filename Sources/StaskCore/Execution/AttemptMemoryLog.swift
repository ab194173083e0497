import Synchronization

/// The peak resident memory of each instance's latest attempt, for the trace: the executor writes it as the
/// attempt ends, before the attempt's `finished` or `retrying` event is reported.
final class AttemptMemoryLog: Sendable {
    private let peaks = Mutex<[String: UInt64]>([:])

    /// Records the peak of `id`'s attempt that is ending (0: not measured, nothing is recorded).
    func record(_ id: String, peak: UInt64) {
        guard peak > 0 else { return }
        peaks.withLock { $0[id] = peak }
    }

    /// The peak of `id`'s latest attempt, if measured.
    func latest(_ id: String) -> UInt64? {
        peaks.withLock { $0[id] }
    }
}
