import StaskCore

/// The action cache entry stored at `/ac/<key>`: which outputs a task produced and where their contents
/// are in the content-addressed store.
///
/// **Format, version 1.** The bytes are a protocol-buffers `build.bazel.remote.execution.v2.ActionResult`
/// message (Bazel's remote execution API), so that servers which parse action cache entries (bazel-remote
/// does by default) accept and garbage-collect them like Bazel's own. Only these fields are written,
/// `execution_metadata` first (so a truncated entry still shows its marker), then the outputs:
///
/// | Field | Holds |
/// |---|---|
/// | `output_files` (2), repeated `OutputFile` | one per declared output, sorted by path |
/// | `OutputFile.path` (1) | the project-relative path, `/`-separated |
/// | `OutputFile.digest` (2) = `Digest{hash (1), size_bytes (2)}` | lowercase hex SHA-256, byte count |
/// | `OutputFile.is_executable` (4) | any execute bit was set |
/// | `OutputFile.node_properties` (7) `.unix_mode` (3) `.value` (1) | permission bits (`mode & 0o7777`), informational |
/// | `exit_code` (4) | 0, omitted (only successful runs are stored) |
/// | `execution_metadata` (9) `.worker` (1) | the format marker `stask-manifest/1` |
/// | `execution_metadata.execution_start_timestamp` (7), `execution_completed_timestamp` (8) | `Timestamp{seconds (1), nanos (2)}` of the run, so the restoring machine learns its duration |
///
/// **Compatibility.** Readers skip fields they do not know. An entry whose marker is missing or different
/// (another tool's entry, or a future format) is a cache miss, not an error; a future format that is not
/// readable by this one must change the marker. The version is also part of the action cache key
/// (``RemoteCacheKey``), so formats do not normally meet.
///
/// **Corruption.** Bytes that are not a well-formed message, or a message that breaks the rules above
/// (a bad digest, a negative size), are a ``RemoteCacheWarning/Kind-swift.enum/badManifest`` warning and a
/// local run. The digests are only trusted after the blobs are fetched and verified.
package struct CacheManifest: Sendable, Hashable {
    /// The value of `execution_metadata.worker` that marks a version 1 stask manifest.
    static let formatMarker = "stask-manifest/1"

    /// One output file.
    package struct Output: Sendable, Hashable {
        /// Project-relative, `/`-separated.
        package var path: String
        /// The SHA-256 of the contents: its key in the content-addressed store.
        package var digest: SHA256Digest
        /// The size in bytes.
        package var size: Int
        /// Whether the file had an execute bit; restored as the file's executable bits.
        package var isExecutable: Bool
        /// The permission bits (`mode & 0o7777`) on the machine that built it; informational only.
        package var mode: UInt32

        package init(path: String, digest: SHA256Digest, size: Int, isExecutable: Bool, mode: UInt32) {
            self.path = path
            self.digest = digest
            self.size = size
            self.isExecutable = isExecutable
            self.mode = mode
        }
    }

    /// The outputs, sorted by path.
    package var outputs: [Output]
    /// When the command started, as a duration since the Unix epoch (UTC); `nil` when unknown.
    package var executionStart: Duration?
    /// When the command finished, as a duration since the Unix epoch (UTC); `nil` when unknown.
    package var executionEnd: Duration?

    package init(outputs: [Output], executionStart: Duration? = nil, executionEnd: Duration? = nil) {
        self.outputs = outputs.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.executionStart = executionStart
        self.executionEnd = executionEnd
    }

    /// How long the command ran where it was built; `nil` when unknown or inconsistent.
    package var wallTime: Duration? {
        guard let executionStart, let executionEnd, executionEnd >= executionStart else { return nil }
        return executionEnd - executionStart
    }

    /// The total size of the outputs.
    package var totalSize: Int {
        outputs.reduce(0) { $0 + $1.size }
    }
}
