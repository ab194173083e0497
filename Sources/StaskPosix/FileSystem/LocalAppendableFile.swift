import Glibc
import StaskCore
import Synchronization

/// A descriptor opened with `O_APPEND`, as returned by `LocalFileSystem.openForAppending(atPath:)`.
///
/// The descriptor sits in a `Mutex` so that `close()` cannot race an `append`; each `append` is one
/// `write(2)` loop under the lock, so concurrent appends never interleave.
final class LocalAppendableFile: AppendableFile {
    let path: String
    private let descriptor: Mutex<Int32>

    init(descriptor: Int32, path: String) {
        self.descriptor = Mutex(descriptor)
        self.path = path
    }

    deinit {
        close()
    }

    func append(_ bytes: [UInt8]) throws(FileSystemError) {
        try descriptor.withLock { (descriptor: inout Int32) throws(FileSystemError) in
            precondition(descriptor >= 0, "append after close")
            try LocalFileSystem.writeFully(descriptor, bytes, path: path)
        }
    }

    func truncate(toSize size: UInt64) throws(FileSystemError) {
        try descriptor.withLock { (descriptor: inout Int32) throws(FileSystemError) in
            precondition(descriptor >= 0, "truncate after close")
            guard ftruncate(descriptor, off_t(size)) == 0 else {
                throw .systemCall(path: path, operation: "ftruncate", errno: errno)
            }
        }
    }

    func synchronize() throws(FileSystemError) {
        try descriptor.withLock { (descriptor: inout Int32) throws(FileSystemError) in
            precondition(descriptor >= 0, "synchronize after close")
            guard fsync(descriptor) == 0 else { throw .systemCall(path: path, operation: "fsync", errno: errno) }
        }
    }

    func close() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            descriptor = -1
        }
    }
}
