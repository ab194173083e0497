/// How stask authenticates to the remote cache: nothing, HTTP basic auth, or a bearer token.
///
/// Read from the environment only (never from the URL, the Taskfile or the command line, which end up in
/// shell histories, logs and repositories):
/// - `STASK_REMOTE_CACHE_TOKEN`: sends `Authorization: Bearer <token>`; wins when both kinds are set.
/// - `STASK_REMOTE_CACHE_USER` and `STASK_REMOTE_CACHE_PASSWORD` (may be empty): `Authorization: Basic …`.
///
/// Secrets are never printed: `description`, `debugDescription` and the reflection mirror show only the
/// kind (and the user name for basic auth).
package enum RemoteCacheCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// No `Authorization` header.
    case none
    /// HTTP basic authentication (RFC 7617).
    case basic(user: String, password: String)
    /// A bearer token (RFC 6750).
    case bearer(token: String)

    /// The environment variable holding a bearer token.
    package static let tokenVariable = "STASK_REMOTE_CACHE_TOKEN"
    /// The environment variable holding the basic-auth user name.
    package static let userVariable = "STASK_REMOTE_CACHE_USER"
    /// The environment variable holding the basic-auth password.
    package static let passwordVariable = "STASK_REMOTE_CACHE_PASSWORD"

    /// Reads the credentials from an environment (typically the process's own).
    ///
    /// An empty token or user name counts as unset.
    package init(environment: [String: String]) {
        if let token = environment[Self.tokenVariable], !token.isEmpty {
            self = .bearer(token: token)
        } else if let user = environment[Self.userVariable], !user.isEmpty {
            self = .basic(user: user, password: environment[Self.passwordVariable] ?? "")
        } else {
            self = .none
        }
    }

    /// The `Authorization` header value, `nil` for `.none`. Never log it.
    package var authorizationHeader: String? {
        switch self {
        case .none: nil
        case .basic(let user, let password): "Basic " + Self.base64(Array("\(user):\(password)".utf8))
        case .bearer(let token): "Bearer " + token
        }
    }

    /// `no credentials`, `basic auth as 'ci'`, `bearer token`: never the secret.
    package var description: String {
        switch self {
        case .none: "no credentials"
        case .basic(let user, _): "basic auth as '\(user)'"
        case .bearer: "bearer token"
        }
    }

    /// The same as `description`, so `debugPrint` and string interpolation in tests hide the secret too.
    package var debugDescription: String { description }

    /// A mirror without children, so `dump` and test failure messages cannot reveal the secret.
    package var customMirror: Mirror {
        Mirror(self, children: [(label: String?, value: Any)](), displayStyle: .enum)
    }

    /// Standard base64 with padding (RFC 4648 §4).
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let first = UInt32(bytes[index])
            let second = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let third = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = first << 16 | second << 8 | third
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(remaining > 1 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
