import Glibc
import StaskCore
import StaskPosix

// MARK: - Uploading a task's outputs (runs on a dedicated thread)

extension HTTPRemoteCache {
    func storeBlocking(_ action: RemoteCacheAction, wallTime: Duration, cancellation: IOCancellation) {
        let key = cacheKey(of: action)
        guard let files = CacheOutputFiles.read(action, report: { report($0, $1) }) else { return }
        let outputs = files.map(\.output)
        var blobs: [SHA256Digest: [UInt8]] = [:]
        for (output, contents) in files where !contents.isEmpty { blobs[output.digest] = contents }

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
