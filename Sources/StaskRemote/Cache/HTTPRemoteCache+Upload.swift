import Glibc
import StaskCore
import StaskPosix

// MARK: - Uploading a task's outputs (runs on a dedicated thread)

extension HTTPRemoteCache {
    func storeBlocking(_ action: RemoteCacheAction, wallTime: Duration, cancellation: IOCancellation) {
        let key = cacheKey(of: action)
        var outputs: [CacheManifest.Output] = []
        var blobs: [SHA256Digest: [UInt8]] = [:]
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
                return
            }
            // Changed since the task finished (by hand, or by a later task): not what this action produced.
            if let expected = action.outputDigests?[path], ContentHasher.digest(of: contents) != expected { return }
            let digest = SHA256Hasher.digest(of: contents)
            outputs.append(
                CacheManifest.Output(
                    path: path, digest: digest, size: contents.count, isExecutable: mode & 0o111 != 0,
                    mode: mode & 0o7777))
            if !contents.isEmpty { blobs[digest] = contents }
        }

        for (digest, contents) in blobs.sorted(by: { $0.key.description < $1.key.description }) {
            guard upload(contents, to: "/cas/\(digest)", skippingExisting: true, cancellation: cancellation) else {
                return
            }
        }
        let end = Self.wallClockNow()
        let manifest = CacheManifest(outputs: outputs, executionStart: end - wallTime, executionEnd: end)
        guard upload(manifest.encoded(), to: "/ac/\(key)", skippingExisting: false, cancellation: cancellation)
        else { return }
        count { $0.uploads += 1 }
    }

    /// `PUT`s `body` (after a `HEAD` that may find it already there); `false` when the upload failed.
    private func upload(
        _ body: [UInt8], to target: String, skippingExisting: Bool, cancellation: IOCancellation
    ) -> Bool {
        if skippingExisting {
            let probe = HTTPRequest(.head, target)
            guard let response = send(probe, cancellation: cancellation) else { return false }
            if response.status == 200 { return true }
        }
        let request = HTTPRequest(.put, target, body: body, maximumResponseBodySize: 1 << 20)
        guard let response = send(request, cancellation: cancellation) else { return false }
        guard response.isSuccess else {
            reportStatus(response, of: request)
            return false
        }
        count { $0.bytesUploaded += body.count }
        return true
    }

    /// The time since the Unix epoch (UTC), for the manifest's execution timestamps.
    package static func wallClockNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
    }
}
