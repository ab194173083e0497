/// The metadata of files that graph construction already took (to tell an input file from a directory or a
/// missing path), handed to the pre-pass so that it examines each such input once a build, not twice.
///
/// Only what a `stat` would return is kept: a regular file examined without following links, and the
/// target of a link. Taken a moment earlier in the same build, it serves as the pre-pass's own `stat`
/// would: a file changed after it is seen by the next build, as one changed after the pre-pass is.
struct KnownMetadata: Sendable {
    private let observations: [FileObservation]
    private let positions: [ExactPath: Int32]

    /// The usable metadata among `observations` (``BuildGraph``'s).
    init(_ observations: [FileObservation]) {
        var positions: [ExactPath: Int32] = [:]
        positions.reserveCapacity(observations.count)
        for (index, observation) in observations.enumerated() {
            guard let metadata = observation.metadata,
                observation.followsLinks || metadata.kind == .regularFile
            else { continue }
            positions[ExactPath(observation.path)] = Int32(index)
        }
        self.observations = observations
        self.positions = positions
    }

    /// The metadata of `path` (project-relative, as graph construction named it), following links; `nil`
    /// when it was not taken.
    func metadata(of path: String) -> FileMetadata? {
        positions[ExactPath(path)].flatMap { observations[Int($0)].metadata }
    }
}
