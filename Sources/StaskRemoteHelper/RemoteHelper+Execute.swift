import FoundationEssentials
import StaskCore
import StaskPosix
import StaskREAPI
import StaskRemote

extension RemoteHelper {
    /// `stask-remote execute …`: the remote executor of one build (``HelperExecutionServer``).
    static func serveExecution(_ options: [String: String]) async {
        let (endpoint, connect, io) = endpointAndTimeouts(options)
        let configuration = RemoteExecutionConfiguration(
            endpoint: endpoint, instanceName: options["instance"],
            credentials: RemoteCacheCredentials(environment: ProcessInfo.processInfo.environment),
            connectTimeout: connect, ioTimeout: io)
        let channel = HelperEndpoint()
        let executor: GRPCRemoteExecutor
        do {
            executor = try GRPCRemoteExecutor(configuration: configuration) {
                HelperCacheServer.forward($0, to: channel)
            }
        } catch {
            usage("cannot reach \(endpoint): \(error)")
        }
        await HelperExecutionServer.serve(executor, on: channel)
    }
}
