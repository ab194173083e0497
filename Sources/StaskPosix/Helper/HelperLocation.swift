import Glibc

/// Where stask finds its helper program: beside its own executable (`/proc/self/exe`), as installed and as
/// built (`.build/debug/stask` and `.build/debug/stask-remote`), or where an environment variable says.
package enum HelperLocation {
    /// The `stask-remote` helper, which holds the gRPC clients.
    package static let remoteHelperName = "stask-remote"
    /// Overrides where the helper is looked for (tests point it at fakes; packagers at another directory).
    package static let remoteHelperVariable = "STASK_REMOTE_HELPER"

    /// The helper's path: `environment[variable]` when set and not empty, else `name` in the directory of
    /// this process's executable; `nil` when that directory cannot be read (no `/proc`).
    package static func path(
        of name: String = remoteHelperName, overriddenBy variable: String = remoteHelperVariable,
        environment: [String: String]
    ) -> String? {
        if let path = environment[variable], !path.isEmpty { return path }
        guard let executable = ownExecutable(), let slash = executable.lastIndex(of: "/") else { return nil }
        return executable[...slash] + name
    }

    /// This process's executable, resolved (`/proc/self/exe`).
    static func ownExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
