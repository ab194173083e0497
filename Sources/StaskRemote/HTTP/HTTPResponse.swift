import StaskCore

/// A complete HTTP response: status, headers (in order received) and the decoded body.
package struct HTTPResponse: Sendable, Equatable {
    /// The status code (`200`, `404`, …).
    package var status: Int
    /// The reason phrase, for messages (`Not Found`).
    package var reason: String
    /// The headers, in the order received.
    package var headers: [HTTPHeader]
    /// The body with any chunked transfer coding removed; empty for `HEAD`, 204 and 304.
    package var body: [UInt8]

    /// A response.
    package init(status: Int, reason: String, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// Whether the status is 2xx.
    package var isSuccess: Bool { (200..<300).contains(status) }

    /// The value of the first header named `name` (case-insensitive).
    package func value(forHeader name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
