import StaskCore

/// Reads one HTTP/1.x response from a byte stream, incrementally: a pure state machine (bytes in,
/// a response out), no I/O, tested synchronously.
///
/// Supports what a cache server or a proxy in front of it sends: `Content-Length` bodies, chunked
/// transfer coding (extensions and trailers ignored), bodies delimited by the end of the connection,
/// no body for `HEAD`, 204 and 304, and interim 1xx responses (skipped). Lines may end in CRLF or LF.
/// Limits: a head of at most 64 KiB, a body of at most the caller's maximum.
///
/// After `.complete`, the connection can carry another request when `isReusable` (HTTP/1.1 without
/// `Connection: close`, or HTTP/1.0 with `keep-alive`, and a body not delimited by closing).
struct HTTPResponseParser {
    /// What the parser needs next.
    enum Step: Equatable {
        case needsMoreBytes
        case complete(HTTPResponse, isReusable: Bool)
    }

    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    static let maximumHeadSize = 64 * 1024

    private let isHeadRequest: Bool
    private let maximumBodySize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var headScanStart = 0
    private var state = State.head
    private var response = HTTPResponse(status: 0, reason: "", headers: [], body: [])
    private var isReusable = true

    /// Whether any byte of the response arrived (a reused connection that fails before is retried).
    private(set) var hasReceivedBytes = false

    /// A parser for the response to a request with `method`, accepting a body of at most `maximumBodySize`.
    init(method: HTTPRequest.Method, maximumBodySize: Int) {
        self.isHeadRequest = method == .head
        self.maximumBodySize = maximumBodySize
    }

    /// Feeds bytes read from the connection.
    ///
    /// - Throws: `HTTPClientError.malformedResponse` or `.responseTooLarge`.
    mutating func consume(_ bytes: some Collection<UInt8>) throws(HTTPClientError) -> Step {
        precondition(!isDone, "HTTPResponseParser: bytes after the response was complete")
        if !bytes.isEmpty { hasReceivedBytes = true }
        buffer.append(contentsOf: bytes)
        let step = try advance()
        if position > 0 {
            buffer.removeSubrange(0..<position)
            headScanStart = max(0, headScanStart - position)
            position = 0
        }
        return step
    }

    /// Reports the end of the stream (the server closed the connection).
    ///
    /// - Throws: `HTTPClientError.connectionClosed` unless the body was delimited by the close.
    mutating func endOfStream() throws(HTTPClientError) -> Step {
        guard case .untilClose = state else { throw .connectionClosed }
        state = .done
        return .complete(response, isReusable: false)
    }

    private var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    private var available: Int { buffer.count - position }

    // MARK: - The machine

    private mutating func advance() throws(HTTPClientError) -> Step {
        while true {
            switch state {
            case .head:
                guard let end = findEndOfHead() else {
                    if available > Self.maximumHeadSize { throw .malformedResponse(reason: "header section too large") }
                    return .needsMoreBytes
                }
                let head = Array(buffer[position..<end])
                position = end
                headScanStart = position
                if try parseHead(head) { return finish() }
            case .fixedBody(let remaining):
                let count = min(remaining, available)
                response.body.append(contentsOf: buffer[position..<position + count])
                position += count
                if remaining == count { return finish() }
                state = .fixedBody(remaining: remaining - count)
                return .needsMoreBytes
            case .chunkSize:
                guard let line = takeLine() else { return try needLine() }
                let size = try Self.chunkSize(line)
                if size == 0 {
                    state = .trailers
                } else {
                    guard size <= maximumBodySize - response.body.count else {
                        throw .responseTooLarge(limit: maximumBodySize)
                    }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let count = min(remaining, available)
                response.body.append(contentsOf: buffer[position..<position + count])
                position += count
                if remaining > count {
                    state = .chunkData(remaining: remaining - count)
                    return .needsMoreBytes
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard let line = takeLine() else { return try needLine() }
                guard line.isEmpty else { throw .malformedResponse(reason: "chunk data longer than its size") }
                state = .chunkSize
            case .trailers:
                guard let line = takeLine() else { return try needLine() }
                if line.isEmpty { return finish() }
            case .untilClose:
                guard response.body.count + available <= maximumBodySize else {
                    throw .responseTooLarge(limit: maximumBodySize)
                }
                response.body.append(contentsOf: buffer[position...])
                position = buffer.count
                return .needsMoreBytes
            case .done:
                preconditionFailure("HTTPResponseParser: advanced after completion")
            }
        }
    }

    private mutating func finish() -> Step {
        state = .done
        return .complete(response, isReusable: isReusable)
    }

    private func needLine() throws(HTTPClientError) -> Step {
        if available > Self.maximumHeadSize { throw .malformedResponse(reason: "line too long") }
        return .needsMoreBytes
    }

    /// The index just past the blank line ending the head, if it has arrived.
    private mutating func findEndOfHead() -> Int? {
        var index = max(position, headScanStart)
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                if index + 1 < buffer.count && buffer[index + 1] == UInt8(ascii: "\n") { return index + 2 }
                if index + 2 < buffer.count && buffer[index + 1] == UInt8(ascii: "\r")
                    && buffer[index + 2] == UInt8(ascii: "\n")
                {
                    return index + 3
                }
                if index + 2 >= buffer.count {
                    // Not enough bytes to decide; look here again when more arrive.
                    headScanStart = index
                    return nil
                }
            }
            index += 1
        }
        headScanStart = index
        return nil
    }

    /// The next line without its line end, if a whole line has arrived.
    private mutating func takeLine() -> ArraySlice<UInt8>? {
        guard let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var line = buffer[position..<newline]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        position = newline + 1
        return line
    }

    // MARK: - Head

    /// Parses a status line and headers; returns whether the response is complete (no body).
    private mutating func parseHead(_ head: [UInt8]) throws(HTTPClientError) -> Bool {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first else { throw .malformedResponse(reason: "empty status line") }
        let (isHTTP11, status, reason) = try Self.parseStatusLine(statusLine)
        var headers: [HTTPHeader] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                !line[..<colon].contains(where: { $0 == " " || $0 == "\t" })
            else { throw .malformedResponse(reason: "bad header line '\(line.prefix(80))'") }
            let value = line[line.index(after: colon)...].trimmingSpaces
            headers.append(HTTPHeader(name: String(line[..<colon]), value: String(value)))
        }
        if (100..<200).contains(status) {
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            guard status != 101 else { throw .malformedResponse(reason: "unexpected protocol switch") }
            return false
        }
        response = HTTPResponse(status: status, reason: reason, headers: headers, body: [])
        let connection = Self.tokens(headers, named: "connection")
        isReusable = isHTTP11 ? !connection.contains("close") : connection.contains("keep-alive")

        if isHeadRequest || status == 204 || status == 304 { return true }
        let codings = Self.tokens(headers, named: "transfer-encoding")
        if !codings.isEmpty {
            if codings.last == "chunked" {
                state = .chunkSize
            } else {
                state = .untilClose
                isReusable = false
            }
            return false
        }
        let lengths = Set(Self.tokens(headers, named: "content-length"))
        guard let text = lengths.first else {
            state = .untilClose
            isReusable = false
            return false
        }
        guard lengths.count == 1, text.allSatisfy(\.isASCIIDigit), text.count <= 18, let length = Int(text) else {
            throw .malformedResponse(reason: "bad Content-Length '\(lengths.sorted().joined(separator: ","))'")
        }
        guard length <= maximumBodySize else { throw .responseTooLarge(limit: maximumBodySize) }
        if length == 0 { return true }
        state = .fixedBody(remaining: length)
        return false
    }

    private static func parseStatusLine(_ line: String) throws(HTTPClientError) -> (Bool, Int, String) {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
            parts[1].allSatisfy(\.isASCIIDigit), let status = Int(parts[1]), status >= 100
        else { throw .malformedResponse(reason: "bad status line '\(line.prefix(80))'") }
        return (parts[0] != "HTTP/1.0", status, parts.count > 2 ? String(parts[2]) : "")
    }

    /// The comma-separated, lowercased, trimmed tokens of every header named `name`.
    private static func tokens(_ headers: [HTTPHeader], named name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name }.flatMap { header in
            header.value.split(separator: ",").map { String($0.trimmingSpaces).lowercased() }
        }.filter { !$0.isEmpty }
    }

    private static func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPClientError) -> Int {
        let digits = line.prefix { $0 != UInt8(ascii: ";") }
        let text = String(decoding: digits, as: UTF8.self).trimmingSpaces
        guard !text.isEmpty, text.count <= 15, text.allSatisfy(\.isHexDigit), let size = Int(text, radix: 16) else {
            throw .malformedResponse(reason: "bad chunk size '\(String(decoding: line.prefix(40), as: UTF8.self))'")
        }
        return size
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        let text = self[...]
        guard let first = text.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = text.lastIndex { $0 != " " && $0 != "\t" }!
        return Substring(text[first...last])
    }
}
