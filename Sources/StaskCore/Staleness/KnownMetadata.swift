/// The metadata of files the build already took, handed to the pre-pass so that it examines each such input
/// once a build, not twice: what graph construction took (to tell an input file from a directory or a missing
/// path), and what the pre-pass fetched for itself ahead of its walk, all at once
/// (``prefetching(_:fileSystem:projectDirectory:)``).
///
/// Only what a `stat` would return is kept: a regular file examined without following links, the target of a
/// link, and an absent path. Taken a moment earlier in the same build, it serves as the pre-pass's own `stat`
/// would: a file changed after it is seen by the next build, as one changed after the pre-pass is.
struct KnownMetadata: Sendable {
    private var observations: [FileObservation]
    private var positions: [ExactPath: Int32]

    /// The usable metadata among `observations` (``BuildGraph``'s).
    init(_ observations: [FileObservation]) {
        var positions: [ExactPath: Int32] = [:]
        positions.reserveCapacity(observations.count)
        for (index, observation) in observations.enumerated() where Self.isUsable(observation) {
            positions[ExactPath(observation.path)] = Int32(index)
        }
        self.observations = observations
        self.positions = positions
    }

    /// What a `stat` of the observed path returns: a link's target, a regular file's own metadata (a regular
    /// file is no link), or absence (a path absent to `lstat` is absent to `stat`).
    private static func isUsable(_ observation: FileObservation) -> Bool {
        guard let metadata = observation.metadata else { return true }
        return observation.followsLinks || metadata.kind == .regularFile
    }

    /// The metadata of `path` (as the graph names it: project-relative, or absolute), following links: `nil`
    /// when it was not taken, `.some(nil)` when the path was absent.
    func metadata(of path: String) -> FileMetadata?? {
        positions[ExactPath(path)].map { observations[Int($0)].metadata }
    }

    /// Whether `path`'s metadata was taken.
    func contains(_ path: String) -> Bool { positions[ExactPath(path)] != nil }

    /// These observations with `paths` examined as well, following links, all at once: the file system may
    /// spread the `stat`s over the cores (``FileSystem/examineAll(_:below:)``), where the pre-pass's walk
    /// would make them one after another. A path that cannot be examined is left out (the pre-pass then
    /// examines it itself and meets the error).
    ///
    /// - Parameter paths: Project-relative or absolute paths, distinct, none taken already.
    func prefetching(_ paths: [String], fileSystem: any FileSystem, projectDirectory: String) -> KnownMetadata {
        guard !paths.isEmpty else { return self }
        // One buffer for every path's bytes: the examination takes them as raw bytes, without a `String` each.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(paths.reduce(0) { $0 + $1.utf8.count })
        var ends: [Int] = []
        ends.reserveCapacity(paths.count)
        for path in paths {
            bytes.append(contentsOf: path.utf8)
            ends.append(bytes.count)
        }
        let found = bytes.withUnsafeBytes { raw in
            var start = 0
            let slices = ends.map { end in
                defer { start = end }
                return (UnsafeRawBufferPointer(rebasing: raw[start..<end]), true)
            }
            return fileSystem.examineAll(slices, below: projectDirectory)
        }
        var known = self
        known.observations.reserveCapacity(observations.count + paths.count)
        known.positions.reserveCapacity(positions.count + paths.count)
        for (path, metadata) in zip(paths, found) {
            guard let metadata else { continue }
            known.positions[ExactPath(path)] = Int32(known.observations.count)
            known.observations.append(FileObservation(path: path, followsLinks: true, metadata: metadata))
        }
        return known
    }
}
