import Testing

@testable import StaskCore

@Suite struct RemoteCacheEndpointTests {
    static let valid: [(String, String, Int, String, String)] = [
        ("http://cache", "cache", 80, "", "http://cache"),
        ("HTTP://cache:9090/", "cache", 9090, "", "http://cache:9090"),
        ("http://127.0.0.1:8080/stask/ci//", "127.0.0.1", 8080, "/stask/ci", "http://127.0.0.1:8080/stask/ci"),
        ("http://[::1]:8080/x", "::1", 8080, "/x", "http://[::1]:8080/x"),
        ("http://[::1]", "::1", 80, "", "http://[::1]"),
        ("https://cache", "cache", 443, "", "https://cache"),
        ("HTTPS://cache:8443/stask/", "cache", 8443, "/stask", "https://cache:8443/stask"),
        ("https://cache:80", "cache", 80, "", "https://cache:80"),
        ("grpc://127.0.0.1:80", "127.0.0.1", 80, "", "grpc://127.0.0.1:80"),
        ("GRPC://cache:8980/main/", "cache", 8980, "/main", "grpc://cache:8980/main"),
    ]

    @Test(arguments: valid)
    func parsesHostPortAndPrefix(url: String, host: String, port: Int, prefix: String, text: String) throws {
        let endpoint = try RemoteCacheEndpoint(parsing: url)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
        #expect(endpoint.pathPrefix == prefix)
        #expect(endpoint.description == text)
    }

    static let invalid: [(String, String)] = [
        ("ftp://cache:9092", "only http:// and https:// (Bazel's HTTP cache protocol) and grpc://"),
        ("grpcs://cache:9092", "grpcs is not supported; stask speaks grpc:// without TLS"),
        ("grpc://cache", "needs a port"),
        ("cache:8080", "expected http[s]://HOST[:PORT][/PATH] or grpc://HOST:PORT"),
        ("http://", "expected a host name"),
        ("http://cache:0", "the port must be"),
        ("http://cache:70000", "the port must be"),
        ("http://cache:8o", "the port must be"),
        ("http://cache/a?b=1", "query or fragment"),
        ("http://cache/a b", "URL characters"),
        ("http://[::1", "unterminated IPv6"),
    ]

    @Test(arguments: invalid)
    func refusesWhatItCannotSpeak(url: String, reason: String) {
        #expect {
            try RemoteCacheEndpoint(parsing: url)
        } throws: { error in
            guard case .invalidURL(let shown, let message) = error as? RemoteCacheError else { return false }
            return shown == url && message.contains(reason)
        }
    }

    @Test func aGRPCEndpointsPathIsItsInstanceName() throws {
        #expect(try RemoteCacheEndpoint(parsing: "grpc://cache:8980").scheme == .grpc)
        #expect(try RemoteCacheEndpoint(parsing: "grpc://cache:8980").instanceName == "")
        #expect(try RemoteCacheEndpoint(parsing: "grpc://cache:8980/main").instanceName == "main")
        #expect(try RemoteCacheEndpoint(parsing: "http://cache").scheme == .http)
        #expect(try RemoteCacheEndpoint(parsing: "https://cache").scheme == .https)
    }

    @Test func credentialsInTheURLAreRefusedAndNotEchoed() {
        #expect {
            try RemoteCacheEndpoint(parsing: "http://alice:hunter2@cache:8080/x")
        } throws: { error in
            let text = (error as? RemoteCacheError)?.description ?? ""
            return !text.contains("hunter2") && text.contains("http://***@cache:8080/x")
                && text.contains("STASK_REMOTE_CACHE_TOKEN")
        }
    }

    @Test func hostHeaderOmitsTheDefaultPortAndBracketsIPv6() throws {
        #expect(try RemoteCacheEndpoint(parsing: "http://cache").hostHeader == "cache")
        #expect(try RemoteCacheEndpoint(parsing: "http://cache:81").hostHeader == "cache:81")
        #expect(try RemoteCacheEndpoint(parsing: "http://[::1]:81").hostHeader == "[::1]:81")
        #expect(try RemoteCacheEndpoint(parsing: "https://cache").hostHeader == "cache")
        #expect(try RemoteCacheEndpoint(parsing: "https://cache:80").hostHeader == "cache:80")
    }
}
