import GRPCCore

/// How a failed call to a Remote Execution API server is judged.
package enum REAPIFailure: Sendable, Equatable {
    /// The server cannot be reached, stopped answering, or is overloaded: stop using it for this build.
    case unreachable(String)
    /// The server answered with an error: report it, skip the task at hand, keep the server.
    case serverError(String)
    /// The caller was cancelled: say nothing.
    case cancelled

    /// Judges `error`, thrown by a call named `call` (for messages).
    package init(_ error: any Error, call: String) {
        guard let error = error as? RPCError else {
            self = .unreachable("\(call): \(error)")
            return
        }
        let text = error.message.isEmpty ? "\(error.code)" : "\(error.code): \(error.message)"
        switch error.code {
        case .cancelled:
            self = .cancelled
        case .unavailable, .deadlineExceeded:
            self = .unreachable("\(call) failed (\(text))")
        default:
            self = .serverError("\(call) failed (\(text))")
        }
    }
}
