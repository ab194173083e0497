import Glibc
import StaskCore

/// Accumulates one child's output with bounded memory.
///
/// Up to `memoryLimit` bytes are kept in memory. The first write past it *spills*: the log file
/// `logDirectory/logName` is created (with missing parents), everything so far is written to it, and from
/// then on every byte goes to the file while only the last `tailSize` bytes stay in memory. Without a log
/// directory, or when the file cannot be created or written (the partial file is then removed), the output
/// past the limit is dropped except for the tail. Memory stays below `memoryLimit + 2 * tailSize`.
///
/// Owned by the process monitor's thread; file writes are blocking but go to a regular file.
struct OutputCollector {
    let memoryLimit: Int
    let tailSize: Int
    let logDirectory: String?
    let logName: String

    private enum Mode {
        /// Everything is in `bytes`.
        case memory
        /// Everything is in the log file; `bytes` is a rolling tail.
        case spilled(fd: Int32, path: String)
        /// The middle was dropped; `bytes` is a rolling tail.
        case tailOnly
    }

    private var mode = Mode.memory
    private var bytes: [UInt8] = []
    /// Bytes appended in all.
    private(set) var byteCount = 0

    init(memoryLimit: Int, tailSize: Int, logDirectory: String?, logName: String) {
        precondition(tailSize > 0 && memoryLimit >= tailSize, "the tail must fit in the memory limit")
        self.memoryLimit = memoryLimit
        self.tailSize = tailSize
        self.logDirectory = logDirectory
        self.logName = logName
    }

    /// Bytes currently held in memory (for tests of the bound).
    var retainedByteCount: Int { bytes.count }

    /// Appends a chunk of output.
    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        guard !chunk.isEmpty else { return }
        byteCount += chunk.count
        switch mode {
        case .memory:
            if bytes.count + chunk.count <= memoryLimit {
                bytes.append(contentsOf: chunk)
                return
            }
            spill(then: chunk)
        case .spilled(let fd, let path):
            if !Self.writeAll(fd, chunk) { abandonLog(fd: fd, path: path) }
            appendToTail(chunk)
        case .tailOnly:
            appendToTail(chunk)
        }
    }

    /// Appends bytes (convenience for small appends such as the shell's signal message).
    mutating func append(_ array: [UInt8]) {
        array.withUnsafeBytes { append($0) }
    }

    /// Ends collection (once): closes the log file and returns the output (whole, or its tail) and the log's path.
    mutating func finish() -> (output: [UInt8], byteCount: Int, logPath: String?) {
        defer {
            mode = .memory
            bytes = []
        }
        switch mode {
        case .memory:
            return (bytes, byteCount, nil)
        case .spilled(let fd, let path):
            SystemCalls.closeDescriptor(fd)
            return (Array(bytes.suffix(tailSize)), byteCount, path)
        case .tailOnly:
            return (Array(bytes.suffix(tailSize)), byteCount, nil)
        }
    }

    /// Drops the log file (a child whose result will not be reported).
    mutating func discard() {
        if case .spilled(let fd, let path) = mode {
            SystemCalls.closeDescriptor(fd)
            _ = unlink(path)
        }
        mode = .memory
        bytes = []
    }

    private mutating func spill(then chunk: UnsafeRawBufferPointer) {
        if let logDirectory, let (fd, path) = Self.createLog(directory: logDirectory, name: logName) {
            let wrote = bytes.withUnsafeBytes { Self.writeAll(fd, $0) } && Self.writeAll(fd, chunk)
            if wrote {
                mode = .spilled(fd: fd, path: path)
            } else {
                abandonLog(fd: fd, path: path)
            }
        } else {
            mode = .tailOnly
        }
        bytes = Array(bytes.suffix(tailSize))
        appendToTail(chunk)
    }

    private mutating func abandonLog(fd: Int32, path: String) {
        SystemCalls.closeDescriptor(fd)
        _ = unlink(path)
        mode = .tailOnly
    }

    private mutating func appendToTail(_ chunk: UnsafeRawBufferPointer) {
        if chunk.count >= tailSize {
            bytes = Array(chunk[(chunk.count - tailSize)...])
            return
        }
        bytes.append(contentsOf: chunk)
        // Trim in batches so the cost is amortized O(1) per byte.
        if bytes.count >= 2 * tailSize { bytes.removeFirst(bytes.count - tailSize) }
    }

    /// Creates the log file. The log directory is `<project>/.stask/logs`: it is resolved below the project
    /// (its parent's parent) with `LocalFileSystem.openDirectory(_:beneath:creating:)` and the file opened
    /// through it with `O_NOFOLLOW`, so a link a command put in `.stask` does not lead the log out of the
    /// project. Any failure means no log file, only the tail.
    private static func createLog(directory: String, name: String) -> (Int32, String)? {
        let directory = ProjectPath.normalizedAbsolute(directory)
        let root = ProjectPath.parent(ofAbsolute: ProjectPath.parent(ofAbsolute: directory))
        guard let parent = try? LocalFileSystem.openDirectory(directory, beneath: root, creating: true) else {
            return nil
        }
        defer { close(parent) }
        let fd = openat(parent, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        return fd >= 0 ? (fd, ProjectPath.join(directory, name)) : nil
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
