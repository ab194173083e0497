/// Which remote cache a build uses: `--remote-cache URL` or `STASK_REMOTE_CACHE` (the command line wins),
/// else the Taskfile's `remote_cache:`.
///
/// `--remote-cache off` (or `STASK_REMOTE_CACHE=off`) turns a Taskfile's cache off for one build, for
/// example on a machine that must not reach the network. An empty `STASK_REMOTE_CACHE` counts as unset.
package enum RemoteCacheSelection: Sendable, Hashable {
    /// The Taskfile's `remote_cache:`, or none (the default).
    case fromTaskfile
    /// No remote cache, whatever the Taskfile says.
    case off
    /// This server.
    case server(RemoteCacheEndpoint)

    /// Parses a command-line or environment value: `off`, or an `http://` URL.
    ///
    /// - Throws: `RemoteCacheError.invalidURL`.
    package init(parsing text: String) throws(RemoteCacheError) {
        self = text == "off" ? .off : .server(try RemoteCacheEndpoint(parsing: text))
    }

    /// The server to use given the Taskfile's choice.
    package func endpoint(taskfile: Taskfile) -> RemoteCacheEndpoint? {
        switch self {
        case .fromTaskfile: taskfile.remoteCache?.value
        case .off: nil
        case .server(let endpoint): endpoint
        }
    }
}
