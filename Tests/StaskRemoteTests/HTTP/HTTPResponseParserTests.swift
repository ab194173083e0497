import Testing

@testable import StaskCore
@testable import StaskRemote

@Suite struct HTTPResponseParserTests {
    /// Feeds `text` in pieces of `pieceSize` bytes; returns the completed response, if any.
    private func parse(
        _ text: String, method: HTTPRequest.Method = .get, pieceSize: Int = .max, maximumBodySize: Int = 1 << 20,
        endOfStream: Bool = false
    ) throws(HTTPClientError) -> (HTTPResponse, Bool)? {
        var parser = HTTPResponseParser(method: method, maximumBodySize: maximumBodySize)
        let bytes = Array(text.utf8)
        var start = 0
        repeat {
            let end = min(bytes.count, start + pieceSize)
            if case .complete(let response, let isReusable) = try parser.consume(bytes[start..<end]) {
                #expect(end == bytes.count, "completed before the last byte")
                return (response, isReusable)
            }
            start = end
        } while start < bytes.count
        if endOfStream, case .complete(let response, let isReusable) = try parser.endOfStream() {
            return (response, isReusable)
        }
        return nil
    }

    static let chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"

    @Test(arguments: [1, 2, 3, 7, 1000])
    func readsAContentLengthBodyInAnyPieces(pieceSize: Int) throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world"
        let (response, isReusable) = try #require(try parse(text, pieceSize: pieceSize))
        #expect(response.status == 200)
        #expect(response.reason == "OK")
        #expect(response.body == Array("hello world".utf8))
        #expect(response.value(forHeader: "x-a") == "b")
        #expect(isReusable)
    }

    @Test(arguments: [1, 2, 5, 1000])
    func decodesChunkedBodiesSplitAnywhere(pieceSize: Int) throws {
        let (response, isReusable) = try #require(try parse(Self.chunked, pieceSize: pieceSize))
        #expect(response.body == Array("hello world".utf8))
        #expect(isReusable)
    }

    @Test func acceptsBareLineFeeds() throws {
        let (response, _) = try #require(try parse("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"))
        #expect(response.body == Array("ok".utf8))
    }

    @Test func headResponsesAndNoContentHaveNoBody() throws {
        let head = try #require(try parse("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", method: .head))
        #expect(head.0.body.isEmpty && head.1)
        let noContent = try #require(try parse("HTTP/1.1 204 No Content\r\n\r\n"))
        #expect(noContent.0.status == 204 && noContent.0.body.isEmpty)
    }

    @Test func aBodyWithoutLengthEndsWithTheConnection() throws {
        let text = "HTTP/1.1 200 OK\r\n\r\nall of it"
        #expect(try parse(text) == nil)
        let (response, isReusable) = try #require(try parse(text, endOfStream: true))
        #expect(response.body == Array("all of it".utf8))
        #expect(!isReusable)
    }

    @Test func skipsInterimResponses() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
        let (response, _) = try #require(try parse(text, pieceSize: 3))
        #expect(response.status == 201)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true),
        ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", true),
    ])
    func decidesWhetherTheConnectionCanBeReused(text: String, expected: Bool) throws {
        let (_, isReusable) = try #require(try parse(text))
        #expect(isReusable == expected)
    }

    @Test(arguments: [
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ])
    func rejectsMalformedResponses(text: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            if case .malformedResponse = error as? HTTPClientError { return true }
            return false
        }
    }

    @Test func refusesBodiesLargerThanAllowed() {
        #expect(throws: HTTPClientError.responseTooLarge(limit: 4)) {
            _ = try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", maximumBodySize: 4)
        }
        #expect(throws: HTTPClientError.responseTooLarge(limit: 10)) {
            _ = try parse(Self.chunked, maximumBodySize: 10)
        }
        #expect(throws: HTTPClientError.responseTooLarge(limit: 3)) {
            _ = try parse("HTTP/1.1 200 OK\r\n\r\nhello", maximumBodySize: 3)
        }
    }

    @Test func refusesAnEndlessHead() {
        let text = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: 0123456789\r\n", count: 4000)
        #expect(throws: HTTPClientError.malformedResponse(reason: "header section too large")) {
            _ = try parse(text, pieceSize: 4096)
        }
    }

    @Test func anEarlyCloseIsAnError() {
        #expect(throws: HTTPClientError.connectionClosed) {
            _ = try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", endOfStream: true)
        }
        var parser = HTTPResponseParser(method: .get, maximumBodySize: 10)
        #expect(!parser.hasReceivedBytes)
        #expect(throws: HTTPClientError.connectionClosed) { _ = try parser.endOfStream() }
    }
}
