import Glibc
import StaskCore
import StaskPosix

/// A fresh directory under `/tmp` (`mkdtemp`), removed with everything in it when released.
package final class ScratchDirectory {
    package let path: String

    package init() throws {
        var template = Array("/tmp/stask-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FileSystemError.systemCall(path: "/tmp", operation: "mkdtemp", errno: errno)
        }
        path = String(cString: made)
    }

    deinit {
        // Tests may have removed permissions; give them back so the tree can be removed.
        _ = chmod(path, 0o755)
        try? LocalFileSystem().removeItem(atPath: path)
    }

    /// `path/name`.
    package func appending(_ name: String) -> String {
        path + "/" + name
    }

    /// Whether the tests run as root, for whom `chmod` does not stop reads or writes.
    package static var isRoot: Bool { geteuid() == 0 }
}
