import Testing

@testable import StaskCore
@testable import StaskRemote

/// Which client serves which scheme: plain HTTP in this process, TLS and gRPC in the `stask-remote` helper.
@Suite struct RemoteCacheClientsTests {
    private func client(_ url: String) throws -> any RemoteCache {
        let configuration = RemoteCacheConfiguration(endpoint: try RemoteCacheEndpoint(parsing: url))
        return RemoteCacheClients.make(configuration, environment: [:]) { _ in }
    }

    @Test func plainHTTPStaysInThisProcess() throws {
        #expect(try client("http://127.0.0.1:9090") is HTTPRemoteCache)
    }

    @Test(arguments: ["https://cache.example", "https://127.0.0.1:8443/stask", "grpc://127.0.0.1:8980"])
    func tlsAndGRPCGoThroughTheHelper(url: String) throws {
        let cache = try #require(try client(url) as? HelperRemoteCache)
        #expect(HelperRemoteCache.arguments(for: cache.configuration).contains(url))
    }
}
