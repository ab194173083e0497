import StaskCore

/// One HTTP/1.1 request to the cache server: a method, an origin-form target and, for `PUT`, a body.
package struct HTTPRequest: Sendable {
    /// The three verbs the cache protocol uses.
    package enum Method: String, Sendable {
        case get = "GET"
        case put = "PUT"
        case head = "HEAD"
    }

    /// The verb.
    package var method: Method
    /// The request target: an absolute path, already percent-encoded (`/cache/cas/e3b0…`).
    package var target: String
    /// Extra headers (the client adds `Host`, `User-Agent`, `Content-Length` and `Authorization`).
    package var headers: [HTTPHeader]
    /// The body; sent (with `Content-Length`) only for `PUT`.
    package var body: [UInt8]
    /// The largest response body accepted; a larger one fails with `responseTooLarge`.
    package var maximumResponseBodySize: Int

    /// A request; `maximumResponseBodySize` is 1 GiB unless given.
    package init(
        _ method: Method, _ target: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
        maximumResponseBodySize: Int = 1 << 30
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.maximumResponseBodySize = maximumResponseBodySize
    }

    /// The request line and headers, ending with the blank line.
    func head(host: String, authorization: String?) -> [UInt8] {
        var text = "\(method.rawValue) \(target) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: stask\r\n"
        if method == .put { text += "Content-Length: \(body.count)\r\n" }
        if let authorization { text += "Authorization: \(authorization)\r\n" }
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}

/// One header line.
package struct HTTPHeader: Sendable, Hashable {
    /// The name, as sent or received.
    package var name: String
    /// The value, without surrounding spaces.
    package var value: String

    /// A header line.
    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
