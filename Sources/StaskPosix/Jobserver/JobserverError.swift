import StaskCore

/// Why a GNU make jobserver cannot be joined or served.
package enum JobserverError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `MAKEFLAGS` names pipe descriptors that are not make's (closed, close-on-exec, or no pipe): make did
    /// not pass its jobserver to a recipe it does not take for a recursive one.
    case notPassed(read: Int32, write: Int32, descriptor: Int32)
    /// The named pipe cannot be opened or made (`errno`).
    case cannotOpen(path: String, errno: Int32)
    /// The path names something other than a named pipe (or, for a directory stask makes one in, a link).
    case notNamedPipe(path: String)
    /// A system call failed (`what` is done; `errno`).
    case systemCall(what: String, errno: Int32)

    package var description: String {
        switch self {
        case .notPassed(let read, let write, let descriptor):
            "make did not pass its jobserver (descriptor \(descriptor) of --jobserver-auth=\(read),\(write) is not make's pipe): mark the recipe recursive, with '+' in front or through $(MAKE)"
        case .cannotOpen(let path, let errno):
            "cannot open the jobserver '\(path)': \(ErrorNumber.message(errno)) (errno \(errno))"
        case .notNamedPipe(let path):
            "the jobserver '\(path)' is not a named pipe in a directory of stask's own"
        case .systemCall(let what, let errno):
            "cannot \(what) for the jobserver: \(ErrorNumber.message(errno)) (errno \(errno))"
        }
    }
}
