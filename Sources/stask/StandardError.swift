import StaskPosix

/// Writes diagnostics to standard error.
enum StandardError {
    static func write(_ text: String) {
        FileDescriptorSink(fileDescriptor: 2).write(Array(text.utf8))
    }
}
