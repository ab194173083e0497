import StaskCore

/// A complete HTTP response: status, headers (in order received) and the decoded body.
struct HTTPResponse: Sendable, Equatable {
    /// The status code (`200`, `404`, …).
    var status: Int
    /// The reason phrase, for messages (`Not Found`).
    var reason: String
    var headers: [HTTPHeader]
    /// The body with any chunked transfer coding removed; empty for `HEAD`, 204 and 304.
    var body: [UInt8]

    /// Whether the status is 2xx.
    var isSuccess: Bool { (200..<300).contains(status) }

    /// The value of the first header named `name` (case-insensitive).
    func value(forHeader name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
