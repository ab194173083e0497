import Glibc

/// What the command line needs to know about the terminal on a file descriptor.
package enum Terminal {
    /// Whether `fileDescriptor` is a terminal (`isatty`).
    package static func isTerminal(_ fileDescriptor: Int32) -> Bool {
        isatty(fileDescriptor) == 1
    }

    /// The width in columns of the terminal on `fileDescriptor` (`TIOCGWINSZ`), or `nil` when it is not a
    /// terminal or does not say.
    package static func columns(_ fileDescriptor: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
