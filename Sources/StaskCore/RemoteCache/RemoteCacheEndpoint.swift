/// Where the remote cache lives: a parsed `http[s]://host[:port][/prefix]` or `grpc://host:port[/instance]` URL.
///
/// - `http://` speaks Bazel's HTTP cache protocol (the client is hand-written, see `HTTPClient`): requests
///   go to `<prefix>/ac/<key>` and `<prefix>/cas/<sha256>`.
/// - `https://` speaks the same protocol over TLS (port 443 by default), in the `stask-remote` helper
///   (async-http-client and swift-nio-ssl): the server's certificate is checked against the system's trust
///   roots, or the PEM bundle `STASK_REMOTE_CACHE_CA_FILE` names; the check is never turned off.
/// - `grpc://` speaks the Remote Execution API's ActionCache and ContentAddressableStorage services over
///   plain-text HTTP/2 (StaskRemote's `GRPCRemoteCache`); the path, without its leading `/`, is the REAPI
///   instance name (empty by default). The port is required.
///
/// Credentials never go in the URL (it appears in warnings); they come from the environment
/// (``RemoteCacheCredentials``).
///
/// ```swift
/// let endpoint = try RemoteCacheEndpoint(parsing: "http://cache.local:9090/stask")
/// endpoint.host  // "cache.local"
/// endpoint.port  // 9090
/// endpoint.pathPrefix  // "/stask"
/// try RemoteCacheEndpoint(parsing: "grpc://127.0.0.1:8980/main").instanceName  // "main"
/// ```
package struct RemoteCacheEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The protocol a cache speaks.
    package enum Scheme: String, Sendable, Hashable, CaseIterable {
        /// Bazel's HTTP cache protocol.
        case http
        /// Bazel's HTTP cache protocol over TLS.
        case https
        /// The Remote Execution API's ActionCache and CAS over gRPC (plain-text HTTP/2).
        case grpc
    }

    /// The protocol.
    package let scheme: Scheme
    /// The host name or address; an IPv6 address without its brackets.
    package let host: String
    /// The TCP port (80 when an `http://` URL names none, 443 for `https://`).
    package let port: Int
    /// The path before `/ac/` and `/cas/` (for `grpc://`, `/` and the instance name): empty, or starting
    /// with `/` and not ending with one.
    package let pathPrefix: String

    /// An endpoint from its parts, as ``init(parsing:)`` made them (a cached parsed Taskfile's).
    init(scheme: Scheme, host: String, port: Int, pathPrefix: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
    }

    /// The REAPI instance name of a `grpc://` endpoint: its path without the leading `/` (often empty).
    package var instanceName: String {
        String(pathPrefix.drop { $0 == "/" })
    }

    /// Parses a cache URL.
    ///
    /// The scheme is matched without regard to case, a trailing `/` is dropped, and the path is used as
    /// written (it must not need percent-encoding).
    /// - Throws: `RemoteCacheError.invalidURL` for another scheme (`grpcs` among them), credentials in the URL,
    ///   a missing or malformed host or port (or none for `grpc://`), a query or fragment, or characters a
    ///   URL path cannot hold.
    package init(parsing url: String) throws(RemoteCacheError) {
        func invalid(_ reason: String) -> RemoteCacheError {
            .invalidURL(url: Self.redacted(url), reason: reason)
        }
        guard let separator = url.firstRange(of: "://") else {
            throw invalid("expected http[s]://HOST[:PORT][/PATH] or grpc://HOST:PORT[/INSTANCE]")
        }
        let schemeName = url[..<separator.lowerBound].lowercased()
        let scheme: Scheme
        switch schemeName {
        case "http": scheme = .http
        case "https": scheme = .https
        case "grpc": scheme = .grpc
        case "grpcs":
            throw invalid(
                "grpcs is not supported; stask speaks grpc:// without TLS (use an https:// cache, or run a TLS "
                    + "proxy such as stunnel or envoy on localhost in front of the gRPC server)")
        default:
            throw invalid(
                "only http:// and https:// (Bazel's HTTP cache protocol) and grpc:// (the Remote Execution API) are "
                    + "supported, not '\(schemeName)://'")
        }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest[authority.endIndex...])
        if authority.contains("@") {
            throw invalid(
                "credentials do not belong in the URL; set STASK_REMOTE_CACHE_TOKEN, or STASK_REMOTE_CACHE_USER "
                    + "and STASK_REMOTE_CACHE_PASSWORD")
        }
        if path.contains("?") || path.contains("#") { throw invalid("a query or fragment is not allowed") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/%!$&'()*+,;=:@")
        guard path.allSatisfy({ allowed.contains($0) }) else {
            throw invalid("the path may only hold URL characters (percent-encode the others)")
        }
        while path.hasSuffix("/") { path.removeLast() }

        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portPart = nil
            } else if after.hasPrefix(":") {
                portPart = after.dropFirst()
            } else {
                throw invalid("unexpected '\(after)' after the IPv6 address")
            }
        } else if let colon = authority.firstIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        let hostCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:")
        guard !hostPart.isEmpty, hostPart.allSatisfy({ hostCharacters.contains($0) }) else {
            throw invalid("expected a host name or address after '\(schemeName)://'")
        }
        var port = scheme == .https ? 443 : 80
        if scheme == .grpc && portPart == nil {
            throw invalid("a grpc:// URL needs a port (grpc://HOST:PORT)")
        }
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value), portPart.allSatisfy(\.isASCII) else {
                throw invalid("the port must be a number from 1 to 65535")
            }
            port = value
        }
        self.scheme = scheme
        self.host = String(hostPart)
        self.port = port
        self.pathPrefix = path
    }

    /// `http://host:port/prefix` (the port only when it is not the scheme's default, 80 or 443),
    /// `grpc://host:port/instance`.
    package var description: String {
        scheme.rawValue + "://" + hostHeader + pathPrefix
    }

    /// The `Host` header value: the host (bracketed when IPv6) and the port unless it is the default of
    /// `http://` (80) or `https://` (443).
    package var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        let isDefaultPort = (scheme == .http && port == 80) || (scheme == .https && port == 443)
        return isDefaultPort ? name : "\(name):\(port)"
    }

    /// `url` with any `user:password@` replaced by `***@`, for messages.
    static func redacted(_ url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return url }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return url }
        return String(url[..<separator.upperBound]) + "***" + String(rest[at...])
    }
}
