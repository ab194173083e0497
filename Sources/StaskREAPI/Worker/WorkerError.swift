import GRPCCore

/// Why a lease could not be run: reported to the server as the lease's status, never as a crash of the worker.
///
/// A command that exits non-zero is not an error: it is an `ActionResult` with its exit code.
enum WorkerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lease's payload is neither an `Action` nor the `Digest` of one.
    case unknownPayload(typeURL: String)
    /// A blob the action needs (its `Action`, `Command`, a `Directory` or an input file) is not in the CAS.
    case missingBlob(kind: String, digest: String)
    /// A blob does not hash to its digest, or does not decode as the message it should be.
    case corruptBlob(kind: String, digest: String)
    /// A name in the input tree or an output path that would leave the action's directory.
    case invalidPath(String)
    /// The action's directory could not be prepared, or its outputs read.
    case localFiles(String)
    /// The content store failed (the server refused or could not be reached).
    case contentStore(operation: String, underlying: String)

    /// The `google.rpc.Code` the lease is completed with: the client re-uploads inputs on FAILED_PRECONDITION;
    /// BuildGrid retries INTERNAL and UNAVAILABLE on another attempt.
    var statusCode: RPCError.Code {
        switch self {
        case .unknownPayload, .invalidPath: .invalidArgument
        case .missingBlob, .corruptBlob: .failedPrecondition
        case .localFiles: .internalError
        case .contentStore: .unavailable
        }
    }

    var description: String {
        switch self {
        case .unknownPayload(let typeURL): "the lease's payload is not an Action but '\(typeURL)'"
        case .missingBlob(let kind, let digest): "the \(kind) \(digest) is missing from the CAS"
        case .corruptBlob(let kind, let digest): "the \(kind) \(digest) in the CAS is corrupt"
        case .invalidPath(let path): "the path '\(path)' leaves the action's directory"
        case .localFiles(let message): "local files: \(message)"
        case .contentStore(let operation, let underlying): "\(operation) failed: \(underlying)"
        }
    }
}
