import StaskCore

// MARK: - Restoring a task's outputs (runs on a dedicated thread)

extension HTTPRemoteCache {
    func restoreBlocking(_ action: RemoteCacheAction, cancellation: IOCancellation) -> RestoredOutputs? {
        guard let restored = fetchAndWrite(action, cancellation: cancellation) else {
            count { $0.misses += 1 }
            return nil
        }
        count { $0.hits += 1 }
        return restored
    }

    private func fetchAndWrite(_ action: RemoteCacheAction, cancellation: IOCancellation) -> RestoredOutputs? {
        let key = cacheKey(of: action)
        let manifestRequest = HTTPRequest(.get, "/ac/\(key)", maximumResponseBodySize: Self.maximumManifestSize)
        guard let response = send(manifestRequest, cancellation: cancellation) else { return nil }
        if response.status == 404 { return nil }
        guard response.status == 200 else {
            reportStatus(response, of: manifestRequest)
            return nil
        }
        count { $0.bytesDownloaded += response.body.count }
        guard let manifest = usableManifest(response.body, for: action, key: key) else { return nil }

        var contents: [(output: CacheManifest.Output, bytes: [UInt8])] = []
        for output in manifest.outputs {
            if output.size == 0 {
                contents.append((output, []))
                continue
            }
            guard let bytes = fetchBlob(output, of: action, cancellation: cancellation) else { return nil }
            contents.append((output, bytes))
        }
        if cancellation.isCancelled { return nil }

        guard let digests = CacheOutputFiles.write(contents, of: action, report: { report($0, $1) }) else { return nil }
        return RestoredOutputs(outputDigests: digests, wallTime: manifest.wallTime, byteCount: manifest.totalSize)
    }

    /// The decoded manifest, if it is a version 1 manifest listing exactly the task's outputs.
    private func usableManifest(_ bytes: [UInt8], for action: RemoteCacheAction, key: SHA256Digest) -> CacheManifest? {
        switch CacheManifest.verdict(on: bytes, for: action, entry: "/ac/\(key)") {
        case .usable(let manifest):
            return manifest
        case .otherFormat:
            return nil
        case .refused(let message):
            report(.badManifest, message)
            return nil
        }
    }

    /// The verified contents of one output, or `nil` (reported unless it is simply missing).
    private func fetchBlob(
        _ output: CacheManifest.Output, of action: RemoteCacheAction, cancellation: IOCancellation
    ) -> [UInt8]? {
        let request = HTTPRequest(.get, "/cas/\(output.digest)", maximumResponseBodySize: output.size)
        let response: HTTPResponse
        do {
            response = try transport.send(request, cancellation: cancellation)
        } catch .responseTooLarge {
            reportCorrupt(output, of: action, "is larger than the \(output.size) bytes the entry lists")
            return nil
        } catch {
            reportTransportFailure(error, of: request)
            return nil
        }
        // A blob evicted from the store while its manifest survived: a plain miss.
        if response.status == 404 { return nil }
        guard response.status == 200 else {
            reportStatus(response, of: request)
            return nil
        }
        count { $0.bytesDownloaded += response.body.count }
        guard response.body.count == output.size else {
            reportCorrupt(output, of: action, "has \(response.body.count) bytes, not the \(output.size) listed")
            return nil
        }
        guard SHA256Hasher.digest(of: response.body) == output.digest else {
            reportCorrupt(output, of: action, "does not match its SHA-256")
            return nil
        }
        return response.body
    }

    private func reportCorrupt(_ output: CacheManifest.Output, of action: RemoteCacheAction, _ problem: String) {
        report(
            .corruptBlob,
            "blob /cas/\(output.digest) for '\(output.path)' \(problem): the server holds corrupt data; "
                + "running '\(action.taskID)' locally")
    }
}
