package import StaskCore

/// The messages between stask and its `stask-remote` helper, carried as ``HelperFrame`` bodies.
///
/// **Format, version 1.** Each body is a protocol-buffers message written by hand (``ProtobufWriter``): field 1 is
/// the kind, the other fields depend on it (the numbers are in ``HelperMessage+Encoding``). Requests go from
/// stask to the helper; each reply names its request's frame id; a ``Reply/warning(_:)`` has frame id 0.
/// stask and its helper come from one build and are installed together, so the version only guards against a
/// stray helper of another build: it is the helper's `--protocol` argument, and a helper of another version
/// exits at once. An unknown kind or a malformed body is a protocol error (``HelperMessageError``), which stops
/// the helper's use for the build.
package enum HelperMessage {
    /// The version of the messages below.
    package static let version = 2

    /// What stask asks of the helper.
    package enum Request: Sendable, Hashable {
        /// ``RemoteCache/restore(_:)``.
        case restore(RemoteCacheAction)
        /// ``RemoteCache/store(_:wallTime:)``.
        case store(RemoteCacheAction, wallTime: Duration)
        /// ``RemoteExecutor/execute(_:)``.
        case execute(RemoteExecutionRequest)
    }

    /// What the helper answers.
    package enum Reply: Sendable, Hashable {
        /// The outcome of a restore, and the helper's statistics after it.
        case restored(RestoredOutputs?, RemoteCacheStatistics)
        /// A store finished (or was skipped), and the helper's statistics after it.
        case stored(RemoteCacheStatistics)
        /// The outcome of a remote execution, and the executor's statistics after it.
        case executed(RemoteExecutionResult, RemoteExecutionStatistics)
        /// A warning of the cache client, sent as it happens (frame id 0).
        case warning(RemoteCacheWarning)
        /// The request could not be served at all.
        case failed(String)
    }
}

/// A helper message that cannot be decoded.
package struct HelperMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    package var reason: String

    package init(_ reason: String) {
        self.reason = reason
    }

    package var description: String {
        "the helper's message is not understood (\(reason)); is the helper from another build of stask?"
    }
}
