import Glibc

/// The platform part of cache keys.
package enum RemotePlatform {
    /// This machine's system and architecture as `uname` names them: `Linux x86_64`.
    package static let current: String = {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        func text<Field>(_ field: Field) -> String {
            withUnsafeBytes(of: field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return text(names.sysname) + " " + text(names.machine)
    }()
}
