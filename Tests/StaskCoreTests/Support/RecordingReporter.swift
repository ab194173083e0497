import StaskCore
import Synchronization

/// A reporter that keeps every event, for engine tests.
final class RecordingReporter: ProgressReporter {
    private let storage = Mutex<[BuildEvent]>([])

    func report(_ event: BuildEvent) {
        storage.withLock { $0.append(event) }
    }

    var events: [BuildEvent] { storage.withLock { $0 } }

    /// The ids of `started` events, in order.
    var started: [String] {
        events.compactMap { if case .started(let id, _, _) = $0 { id } else { nil } }
    }

    /// The failures of `finished` events, in order.
    var failures: [TaskFailure] {
        events.compactMap { if case .finished(_, .failed(let failure), _, _) = $0 { failure } else { nil } }
    }

    /// The warnings reported.
    var warnings: [String] {
        events.compactMap { if case .warning(let message) = $0 { message } else { nil } }
    }
}
