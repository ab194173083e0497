import StaskCore

/// One HTTP/1.1 request to the cache server: a method, an origin-form target and, for `PUT`, a body.
struct HTTPRequest: Sendable {
    /// The three verbs the cache protocol uses.
    enum Method: String, Sendable {
        case get = "GET"
        case put = "PUT"
        case head = "HEAD"
    }

    var method: Method
    /// The request target: an absolute path, already percent-encoded (`/cache/cas/e3b0…`).
    var target: String
    /// Extra headers (the client adds `Host`, `User-Agent`, `Content-Length` and `Authorization`).
    var headers: [HTTPHeader]
    /// The body; sent (with `Content-Length`) only for `PUT`.
    var body: [UInt8]
    /// The largest response body accepted; a larger one fails with `responseTooLarge`.
    var maximumResponseBodySize: Int

    init(
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
struct HTTPHeader: Sendable, Hashable {
    var name: String
    var value: String
}
