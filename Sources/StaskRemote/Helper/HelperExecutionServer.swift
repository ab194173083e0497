package import StaskCore
package import StaskPosix

/// The helper's side of ``HelperRemoteExecutor``: serves the requests arriving on a ``HelperEndpoint`` with a
/// ``RemoteExecutor`` (in `stask-remote`, the gRPC one), each in a task of its own, and answers each with its
/// result and the executor's statistics. Warnings are sent as they happen.
///
/// When stask closes the pipe (the build ended, was interrupted, or stask died), the requests still running
/// are cancelled, which cancels their operations on the cluster, and ``RemoteExecutor/finish()`` cancels any
/// operation left before the helper exits.
package enum HelperExecutionServer {
    /// Serves requests until stask closes the pipe.
    package static func serve(_ executor: any RemoteExecutor, on endpoint: HelperEndpoint) async {
        await withTaskGroup(of: Void.self) { group in
            for await frame in endpoint.incoming {
                group.addTask {
                    let reply: HelperMessage.Reply
                    do {
                        switch try HelperMessage.Request(decoding: frame.body) {
                        case .execute(let request):
                            reply = .executed(await executor.execute(request), executor.statistics)
                        case .restore, .store:
                            reply = .failed("this helper serves a remote executor, not a cache")
                        }
                    } catch {
                        reply = .failed("\(error)")
                    }
                    endpoint.send(id: frame.id, body: reply.encoded())
                }
            }
            group.cancelAll()
        }
        await executor.finish()
    }
}
