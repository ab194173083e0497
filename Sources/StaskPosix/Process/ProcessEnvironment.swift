import Glibc

/// The environment of this process, read from `environ` byte by byte.
///
/// Foundation's `ProcessInfo.environment` splits each entry by `Character`, some 11,000 instructions an
/// entry: with a shell's 150 variables, a fifth of a no-op build. Reading bytes costs a tenth of that, and
/// a single variable costs one `getenv`.
package enum ProcessEnvironment {
    /// The value of one variable, or `nil` when it is not set.
    package static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Every variable. An entry without `=` is skipped; of a name set twice, the first is kept, as `getenv`
    /// finds it.
    package static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = environ
        while let pointer = entry.pointee {
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<equals]), as: UTF8.self)
                if result[name] == nil {
                    result[name] = String(
                        decoding: UnsafeBufferPointer(rebasing: bytes[(equals + 1)...]), as: UTF8.self)
                }
            }
            entry += 1
        }
        return result
    }
}
