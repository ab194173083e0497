import FoundationEssentials
import StaskCore
import StaskPosix
import StaskREAPI
import StaskRemote

extension RemoteHelper {
    /// `stask-remote execute …`: the remote executor of one build (``HelperExecutionServer``).
    static func serveExecution(_ options: [String: String]) async {
        let endpoint: RemoteCacheEndpoint
        do {
            endpoint = try RemoteCacheEndpoint(parsing: options["endpoint"] ?? "")
        } catch {
            usage("\(error)")
        }
        guard let connect = options["connect-timeout-ns"].flatMap(Int64.init),
            let io = options["io-timeout-ns"].flatMap(Int64.init)
        else { usage("--connect-timeout-ns and --io-timeout-ns are required") }
        let configuration = RemoteExecutionConfiguration(
            endpoint: endpoint, instanceName: options["instance"],
            credentials: RemoteCacheCredentials(environment: ProcessInfo.processInfo.environment),
            connectTimeout: .nanoseconds(connect), ioTimeout: .nanoseconds(io))
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
