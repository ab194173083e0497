package import StaskCore
package import StaskPosix

/// The helper's side of ``HelperRemoteCache``: serves the requests arriving on a ``HelperEndpoint`` with a
/// ``RemoteCache`` (in `stask-remote`, the gRPC one, or ``HTTPRemoteCache`` over async-http-client for
/// `https://`), each in a task of its own, and answers each with its
/// result and the cache's statistics. The cache's warnings are sent as they happen, so a warning reaches stask
/// before the reply of the request that caused it.
///
/// ```swift
/// let endpoint = HelperEndpoint()
/// let cache = try GRPCRemoteCache(configuration: configuration) { HelperCacheServer.forward($0, to: endpoint) }
/// await HelperCacheServer.serve(cache, on: endpoint)
/// ```
package enum HelperCacheServer {
    /// Serves requests until stask closes the pipe, then waits for the requests in flight.
    package static func serve(_ cache: any RemoteCache, on endpoint: HelperEndpoint) async {
        await withDiscardingTaskGroup { group in
            for await frame in endpoint.incoming {
                group.addTask {
                    let reply: HelperMessage.Reply
                    do {
                        switch try HelperMessage.Request(decoding: frame.body) {
                        case .restore(let action):
                            let restored = await cache.restore(action)
                            reply = .restored(restored, cache.statistics)
                        case .store(let action, let wallTime):
                            await cache.store(action, wallTime: wallTime)
                            reply = .stored(cache.statistics)
                        case .execute:
                            reply = .failed("this helper serves a remote cache, not an executor")
                        }
                    } catch {
                        reply = .failed("\(error)")
                    }
                    endpoint.send(id: frame.id, body: reply.encoded())
                }
            }
        }
    }

    /// Sends `warning` to stask as a message nobody asked for.
    package static func forward(_ warning: RemoteCacheWarning, to endpoint: HelperEndpoint) {
        endpoint.send(id: 0, body: HelperMessage.Reply.warning(warning).encoded())
    }
}
