import FoundationEssentials
import StaskCore
import StaskHTTPS
import StaskPosix
import StaskREAPI
import StaskRemote

/// `stask-remote`: the program that holds stask's gRPC clients (the Remote Execution API) and its TLS client
/// (async-http-client, for `https://` caches), so that the `stask` binary links none of their libraries. `stask`
/// starts it when a build uses a `grpc://` remote or an `https://` cache and talks to it over its standard input
/// and output (``HelperEndpoint``); it is not meant to be run by hand.
///
/// ```
/// stask-remote cache --protocol 2 --endpoint grpc://HOST:PORT[/INSTANCE]|https://HOST[:PORT][/PATH]
///     --upload true|false
///     --connect-timeout-ns N --io-timeout-ns N [--platform NAME]
/// stask-remote execute --protocol 2 --endpoint grpc://HOST:PORT[/INSTANCE] --instance NAME
///     --connect-timeout-ns N --io-timeout-ns N
/// stask-remote worker --protocol 2 --bots grpc://HOST:PORT[/INSTANCE] [--instance NAME] [--capacity N]
///     [--work-dir DIR]      (what `stask worker` becomes: see WorkerCommand)
/// ```
///
/// Credentials come from the environment (`STASK_REMOTE_CACHE_TOKEN`, or `_USER` and `_PASSWORD`), never from
/// the arguments, and so do an `https://` cache's extra trust roots (`STASK_REMOTE_CACHE_CA_FILE`). Exit status: 0 when stask closed the pipe, 2 for arguments this version does not take (a
/// `stask` of another build: it then reports the helper as exited and builds without it).
@main
struct RemoteHelper {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let command = arguments.first else { usage("no command") }
        arguments.removeFirst()
        var options: [String: String] = [:]
        while arguments.count >= 2, arguments[0].hasPrefix("--") {
            options[String(arguments[0].dropFirst(2))] = arguments[1]
            arguments.removeFirst(2)
        }
        guard arguments.isEmpty else { usage("unexpected '\(arguments[0])'") }
        guard options["protocol"] == "\(HelperMessage.version)" else {
            usage("this helper speaks protocol \(HelperMessage.version), not \(options["protocol"] ?? "none")")
        }
        switch command {
        case "cache": await serveCache(options)
        case "execute": await serveExecution(options)
        case "worker": await serveWorker(options)
        default: usage("unknown command '\(command)'")
        }
    }

    /// `--endpoint`, `--connect-timeout-ns` and `--io-timeout-ns`, which the `cache` and `execute` commands take;
    /// a usage error when one is missing or malformed.
    static func endpointAndTimeouts(
        _ options: [String: String]
    ) -> (endpoint: RemoteCacheEndpoint, connect: Duration, io: Duration) {
        let endpoint: RemoteCacheEndpoint
        do {
            endpoint = try RemoteCacheEndpoint(parsing: options["endpoint"] ?? "")
        } catch {
            usage("\(error)")
        }
        guard let connect = options["connect-timeout-ns"].flatMap(Int64.init),
            let io = options["io-timeout-ns"].flatMap(Int64.init)
        else { usage("--connect-timeout-ns and --io-timeout-ns are required") }
        return (endpoint, .nanoseconds(connect), .nanoseconds(io))
    }

    static func serveCache(_ options: [String: String]) async {
        let (endpoint, connect, io) = endpointAndTimeouts(options)
        let environment = ProcessInfo.processInfo.environment
        let configuration = RemoteCacheConfiguration(
            endpoint: endpoint, isUploadEnabled: options["upload"] == "true",
            credentials: RemoteCacheCredentials(environment: environment),
            connectTimeout: connect, ioTimeout: io, platform: options["platform"])
        let channel = HelperEndpoint()
        let warn: @Sendable (RemoteCacheWarning) -> Void = { HelperCacheServer.forward($0, to: channel) }
        let cache: any RemoteCache
        var transport: AsyncHTTPClientTransport?
        do {
            switch endpoint.scheme {
            case .grpc:
                cache = try GRPCRemoteCache(configuration: configuration, warn: warn)
            case .https, .http:
                let https = try AsyncHTTPClientTransport(configuration: configuration, environment: environment)
                transport = https
                cache = HTTPRemoteCache(configuration: configuration, transport: https, warn: warn)
            }
        } catch {
            HelperCacheServer.forward(
                RemoteCacheWarning(
                    kind: .unreachable, endpoint: endpoint.description,
                    message: "\(error); continuing without the remote cache for this build"),
                to: channel)
            cache = NoRemoteCache()
        }
        await HelperCacheServer.serve(cache, on: channel)
        await transport?.shutdown()
    }

    static func usage(_ problem: String) -> Never {
        FileDescriptorSink(fileDescriptor: 2).write("stask-remote: \(problem)\n")
        HelperEndpoint.exit(status: 2)
    }
}
