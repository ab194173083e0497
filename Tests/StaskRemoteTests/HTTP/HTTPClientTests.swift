import Foundation
import Synchronization
import Testing

@testable import StaskCore
@testable import StaskRemote

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct HTTPClientTests {
    private func client(
        _ url: String, credentials: RemoteCacheCredentials = .none, ioTimeout: Duration = .seconds(5)
    ) throws -> HTTPClient {
        HTTPClient(
            endpoint: try RemoteCacheEndpoint(parsing: url), credentials: credentials,
            connectTimeout: .seconds(20), ioTimeout: ioTimeout)
    }

    // MARK: - Against nginx

    @Test(.enabled(if: NginxServer.executable != nil, NginxServer.missingComment), .nginx)
    func putsGetsAndHeadsOverOneKeptAliveConnection() async throws {
        let server = try #require(NginxServer.current)
        let client = try client(server.url)
        let body = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }

        let put = try await client.send(HTTPRequest(.put, "/cas/blob", body: body))
        #expect(put.status == 201)
        let get = try await client.send(HTTPRequest(.get, "/cas/blob"))
        #expect(get.status == 200)
        #expect(get.body == body)
        let head = try await client.send(HTTPRequest(.head, "/cas/blob"))
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.value(forHeader: "content-length") == "100000")
        let missing = try await client.send(HTTPRequest(.get, "/cas/none"))
        #expect(missing.status == 404)

        let log = server.accessLog()
        #expect(log.count == 4)
        let connections = Set(log.compactMap { $0.split(separator: " ").first { $0.hasPrefix("conn=") } })
        #expect(connections.count == 1, "every request should reuse the first connection: \(log)")
    }

    @Test(.enabled(if: NginxServer.executable != nil, NginxServer.missingComment), .nginx)
    func sendsTheAuthorizationHeaderFromCredentials() async throws {
        let server = try #require(NginxServer.current)
        let anonymous = try client(server.url)
        #expect(try await anonymous.send(HTTPRequest(.put, "/private/x", body: [1])).status == 401)
        let environment = [RemoteCacheCredentials.tokenVariable: NginxServer.token]
        let authorized = try client(server.url, credentials: RemoteCacheCredentials(environment: environment))
        #expect(try await authorized.send(HTTPRequest(.put, "/private/x", body: [1])).status == 201)
        let log = server.accessLog().map { $0.replacing(/\ conn=\d+/, with: "") }
        #expect(log == ["PUT /private/x 401 auth=\"-\"", "PUT /private/x 201 auth=\"Bearer s3cret\""])
    }

    @Test(.enabled(if: NginxServer.executable != nil, NginxServer.missingComment), .nginx)
    func prefixesTargetsWithTheEndpointPath() async throws {
        let server = try #require(NginxServer.current)
        let client = try client(server.url + "/team/")
        #expect(try await client.send(HTTPRequest(.put, "/ac/k", body: [1, 2])).status == 201)
        #expect(FileManager.default.contents(atPath: server.storedPath("/team/ac/k")) == Data([1, 2]))
    }

    // MARK: - Against scripted servers

    @Test func decodesAChunkedResponseSentInPieces() async throws {
        let server = try ScriptedHTTPServer { connection in
            _ = connection.readRequest()
            for piece in [
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nst", "as\r\n2\r\nk!\r\n0\r\n", "\r\n",
            ] {
                connection.write(piece)
            }
            connection.waitForClose()
        }
        let response = try await client(server.url).send(HTTPRequest(.get, "/x"))
        #expect(response.body == Array("stask!".utf8))
    }

    @Test func replacesAKeptAliveConnectionTheServerDropped() async throws {
        // The first connection answers one request, then reads the next and hangs up without answering: the
        // client must send that request again on a fresh connection, which answers it.
        let connections = ConnectionCounter()
        let server = try ScriptedHTTPServer { connection in
            if connections.next() == 0 {
                guard connection.readRequest() != nil else { return }
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")
                _ = connection.readRequest()
                return
            }
            while connection.readRequest() != nil {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo")
            }
        }
        let client = try client(server.url)
        #expect(try await client.send(HTTPRequest(.get, "/1")).body == Array("one".utf8))
        #expect(try await client.send(HTTPRequest(.get, "/2")).body == Array("two".utf8))
        #expect(server.acceptedConnections == 2)
    }

    @Test func aServerThatNeverAnswersTimesOutQuickly() async throws {
        let server = try ScriptedHTTPServer(isAccepting: false)
        let client = try client(server.url, ioTimeout: .milliseconds(200))
        // The suite's time limit catches a request that never returns.
        await #expect(throws: HTTPClientError.timedOut(operation: "waiting for the response")) {
            _ = try await client.send(HTTPRequest(.get, "/x"))
        }
    }

    @Test func aStoppedServerFailsAtOnce() async throws {
        let port = try NginxServer.freePort()
        let client = try client("http://127.0.0.1:\(port)")
        // Refused at once: waiting out the 20 s connect timeout would end in `.timedOut` instead.
        await #expect(throws: HTTPClientError.cannotConnect(address: "127.0.0.1:\(port)", errno: ECONNREFUSED)) {
            _ = try await client.send(HTTPRequest(.get, "/x"))
        }
    }

    @Test func cancellingTheTaskAbandonsTheRequest() async throws {
        let server = try ScriptedHTTPServer(isAccepting: false)
        let client = try client(server.url, ioTimeout: .seconds(30))
        let request = Task { try await client.send(HTTPRequest(.get, "/x")) }
        // Whenever the cancellation lands (before, during or after connecting), the 30 s wait is cut short.
        request.cancel()
        await #expect(throws: HTTPClientError.cancelled) { _ = try await request.value }
    }

    @Test func anUnresolvableHostIsReported() async throws {
        let client = try client("http://no-such-host.invalid:1")
        await #expect {
            _ = try await client.send(HTTPRequest(.get, "/x"))
        } throws: { error in
            guard case .cannotResolve(let host, _) = error as? HTTPClientError else { return false }
            return host == "no-such-host.invalid"
        }
    }
}

/// Numbers a scripted server's connections in the order their scripts start.
private final class ConnectionCounter: Sendable {
    private let count = Mutex(0)

    func next() -> Int {
        count.withLock { count in
            defer { count += 1 }
            return count
        }
    }
}
