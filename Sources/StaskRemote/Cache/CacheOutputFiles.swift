package import StaskCore
import StaskPosix

/// What every remote cache does with a task's output files: reads them for an upload, and writes them back
/// beneath the project on a restore.
package enum CacheOutputFiles {
    /// The outputs of `action` as a manifest lists them, each with its contents; `nil` when one cannot be read
    /// (reported through `report`) or no longer holds what the task produced (changed by hand or by a later
    /// task: not this action's result, so nothing is uploaded and nothing reported).
    package static func read(
        _ action: RemoteCacheAction, report: (RemoteCacheWarning.Kind, String) -> Void
    ) -> [(output: CacheManifest.Output, contents: [UInt8])]? {
        var result: [(output: CacheManifest.Output, contents: [UInt8])] = []
        for path in action.outputs {
            let absolute = ProjectPath.absolute(path, project: action.projectDirectory)
            let contents: [UInt8]
            let mode: UInt32
            do {
                guard let metadata = try LocalFileSystem().metadata(atPath: absolute), metadata.kind == .regularFile
                else { throw FileSystemError.wrongKind(path: absolute, expected: "a regular file") }
                contents = try LocalFileSystem().readFile(atPath: absolute)
                mode = metadata.mode
            } catch {
                report(.localFiles, "cannot read '\(path)' of '\(action.taskID)' to upload it: \(error)")
                return nil
            }
            if let expected = action.outputDigests?[path], ContentHasher.digest(of: contents) != expected { return nil }
            let output = CacheManifest.Output(
                path: path, digest: SHA256Hasher.digest(of: contents), size: contents.count,
                isExecutable: mode & 0o111 != 0, mode: mode & 0o7777)
            result.append((output, contents))
        }
        return result
    }

    /// Writes restored outputs beneath the project (never through a link that leaves it); their content
    /// digests by output path, or `nil` when one cannot be written (reported through `report`).
    package static func write(
        _ contents: [(CacheManifest.Output, [UInt8])], of action: RemoteCacheAction,
        report: (RemoteCacheWarning.Kind, String) -> Void
    ) -> [String: ContentDigest]? {
        var digests: [String: ContentDigest] = [:]
        for (output, bytes) in contents {
            let path = ProjectPath.absolute(output.path, project: action.projectDirectory)
            do {
                try OutputFileWriter.write(
                    bytes, toPath: path, isExecutable: output.isExecutable, beneath: action.projectDirectory)
            } catch .leavesDirectory(_, _, let link, let destination) {
                report(
                    .localFiles,
                    "refusing to restore '\(output.path)' of '\(action.taskID)': its directory leads out of the project "
                        + "through the symbolic link '\(link)' (-> \(destination)); running it locally")
                return nil
            } catch {
                report(.localFiles, "cannot write '\(output.path)' of '\(action.taskID)': \(error); running it locally")
                return nil
            }
            digests[output.path] = ContentHasher.digest(of: bytes)
        }
        return digests
    }
}
