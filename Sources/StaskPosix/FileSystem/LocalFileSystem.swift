import Dispatch
import Glibc
package import StaskCore

/// The real file system, through Glibc system calls.
///
/// Stateless and thread-safe. Every failure other than "nothing there" (where absence is allowed) is a
/// `FileSystemError.systemCall(path:operation:errno:)` naming the system call and keeping `errno`.
/// All descriptors are opened close-on-exec, so commands the build spawns never inherit them.
///
/// ```swift
/// let fs = LocalFileSystem()
/// try fs.writeFile(atPath: "/tmp/p/.stask/x", contents: Array("hello".utf8))  // atomic
/// let meta = try fs.metadata(atPath: "/tmp/p/.stask/x")  // nanosecond mtime and ctime
/// ```
package struct LocalFileSystem: FileSystem {
    /// Creates a handle on the real file system.
    package init() {}

    /// `stat(2)`: metadata following symbolic links; `nil` when the path (or a parent) does not exist.
    ///
    /// - Throws: `FileSystemError.systemCall` for other failures (`EACCES`, `ELOOP`, …).
    package func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .systemCall(path: path, operation: "stat", errno: code)
        }
        return Self.metadata(of: info)
    }

    /// Calls `body` with a function that examines a path given as UTF-8 bytes (`stat`, or `lstat` when the
    /// flag is false) and returns its metadata, `.some(nil)` when it is absent, or `nil` when it cannot be
    /// examined. A relative path is relative to `directory`. Relative paths and absolute ones below
    /// `directory` are examined with `fstatat` relative to one descriptor of it, so the kernel walks only
    /// their last components; no `String` is made per path. This is the no-op stamp's check: 20,000 paths
    /// at 10,000 targets.
    package func withPathExaminer<Result>(
        below directory: String, _ body: ((UnsafeRawBufferPointer, Bool) -> FileMetadata??) -> Result
    ) -> Result {
        let base = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if base >= 0 { close(base) } }
        let prefix = Array((directory == "/" ? "/" : directory + "/").utf8)
        var scratch = [CChar](repeating: 0, count: 4096)
        return body { path, followsLinks in
            let isRelative = path.first != UInt8(ascii: "/")
            if isRelative && base < 0 { return nil }
            let isBelow = base >= 0 && path.count > prefix.count && path.starts(with: prefix)
            let start = isBelow ? prefix.count : 0
            let length = path.count - start
            if length + 1 > scratch.count { scratch = [CChar](repeating: 0, count: length + 1) }
            var info = stat()
            let status = scratch.withUnsafeMutableBufferPointer { buffer -> Int32 in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: path[start...]))
                raw[length] = 0
                return fstatat(
                    isBelow || isRelative ? base : AT_FDCWD, buffer.baseAddress!, &info,
                    followsLinks ? 0 : AT_SYMLINK_NOFOLLOW)
            }
            if status == 0 { return .some(Self.metadata(of: info)) }
            return errno == ENOENT || errno == ENOTDIR ? .some(nil) : nil
        }
    }

    /// Examines the paths in one slice per core (at most four, each of at least 512 paths) at once: the
    /// `fstatat` of every path a no-op build rests on is nearly all of that build's time, and the kernel
    /// answers them in parallel.
    package func examineAll(_ paths: [(UnsafeRawBufferPointer, Bool)], below directory: String) -> [FileMetadata??] {
        let slices = min(Self.coreCount, 4, paths.count / 512)
        guard slices > 1 else {
            return withPathExaminer(below: directory) { examine in paths.map { examine($0.0, $0.1) } }
        }
        return [FileMetadata??](unsafeUninitializedCapacity: paths.count) { buffer, count in
            let shared = SlicedExamination(paths: paths, results: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let range = (shared.paths.count * slice / slices)..<(shared.paths.count * (slice + 1) / slices)
                withPathExaminer(below: directory) { examine in
                    for index in range {
                        (shared.results + index).initialize(to: examine(shared.paths[index].0, shared.paths[index].1))
                    }
                }
            }
            count = paths.count
        }
    }

    /// What the slices of ``examineAll(_:below:)`` share: the paths, read by all, and the results, each slice
    /// initializing its own range. `concurrentPerform` returns only when every slice has, so both outlive
    /// every access; no two slices touch the same result.
    // @unchecked Sendable: concurrentPerform joins every slice before returning; each initializes its own range.
    private struct SlicedExamination: @unchecked Sendable {
        let paths: [(UnsafeRawBufferPointer, Bool)]
        let results: UnsafeMutablePointer<FileMetadata??>
    }

    /// The number of cores online.
    private static let coreCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// `lstat(2)`: metadata of the entry itself; `nil` when absent.
    ///
    /// - Throws: `FileSystemError.systemCall` for failures other than absence.
    package func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .systemCall(path: path, operation: "lstat", errno: code)
        }
        return Self.metadata(of: info)
    }

    /// The entry names of a directory (without `.` and `..`), sorted byte-wise.
    ///
    /// Names that are not valid UTF-8 are repaired with U+FFFD and so cannot be opened again by the
    /// returned name; stask does not support such names.
    /// - Throws: `FileSystemError.notFound` when the directory is missing, `.systemCall` otherwise
    ///   (`ENOTDIR` for a file).
    package func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        try directoryEntries(atPath: path).map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The entries of a directory (without `.` and `..`) in the order `readdir` returns them, with the kind
    /// `d_type` reports (`nil` for `DT_UNKNOWN`, which some file systems always give).
    ///
    /// - Throws: as `contentsOfDirectory(atPath:)`.
    package func directoryEntries(atPath path: String) throws(FileSystemError) -> [DirectoryEntry] {
        guard let directory = opendir(path) else {
            let code = errno
            if code == ENOENT { throw .notFound(path: path) }
            throw .systemCall(path: path, operation: "opendir", errno: code)
        }
        defer { closedir(directory) }
        var entries: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw .systemCall(path: path, operation: "readdir", errno: errno) }
                break
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let kind: FileKind?
            switch Int(entry.pointee.d_type) {
            case Int(DT_REG): kind = .regularFile
            case Int(DT_DIR): kind = .directory
            case Int(DT_LNK): kind = .symbolicLink
            case Int(DT_UNKNOWN): kind = nil
            default: kind = .other
            }
            entries.append(DirectoryEntry(name: name, kind: kind))
        }
        return entries
    }

    /// The whole contents of a regular file.
    ///
    /// - Throws: `FileSystemError.notFound` when missing, `.systemCall` otherwise (`EISDIR` for a directory).
    package func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] {
        let descriptor = try Self.openForReading(path)
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .systemCall(path: path, operation: "fstat", errno: errno) }
        // One extra byte of capacity so that a file of the announced size is read without a second buffer
        // (the short read proves the end); a file that grows meanwhile is still read to its end.
        var capacity = max(Int(info.st_size), 0) + 1
        var result = try Self.readChunk(descriptor, capacity: capacity, path: path)
        while result.count == capacity {
            capacity = max(capacity, 64 * 1024)
            let chunk = try Self.readChunk(descriptor, capacity: capacity, path: path)
            result += chunk
            if chunk.count < capacity { break }
        }
        return result
    }

    /// Streams the file through `body` in chunks of at most `buffer.count` bytes, read with `read(2)`.
    ///
    /// The read loop reuses the caller's buffer, so hashing a large file allocates nothing.
    /// - Throws: `FileSystemError.notFound` when missing, `.systemCall` otherwise.
    package func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, expectedSize: UInt64?,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        precondition(buffer.count > 0, "readChunks needs a non-empty buffer")
        let descriptor = try Self.openForReading(path)
        defer { close(descriptor) }
        // Read-ahead advice pays only for files longer than one buffer.
        if (expectedSize ?? UInt64.max) > UInt64(buffer.count) {
            _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        }
        // A small file read whole in its first chunk needs no read that returns nothing.
        var endsAt = expectedSize.flatMap { $0 > 0 && $0 < UInt64(buffer.count) ? Int($0) : nil }
        while true {
            let count = try Self.readFully(descriptor, into: buffer, path: path, endsAt: endsAt)
            if count > 0 { body(UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
            if count < buffer.count { return }
            endsAt = nil
        }
    }

    /// Replaces the file atomically: writes a temporary file in the same directory, `fsync`s it, renames
    /// it over `path`, then `fsync`s the directory so the rename itself is durable.
    ///
    /// Parent directories are created as needed. The new file gets mode 0666 minus the umask. On failure
    /// the temporary file is removed and the old contents are untouched.
    /// - Throws: `FileSystemError.systemCall` naming the failing step (`open`, `write`, `fsync`, `rename`).
    package func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try writeContents(contents, atPath: path, synchronizes: true)
    }

    /// Replaces the file atomically as ``writeFile(atPath:contents:)`` does, without the two `fsync`s: the
    /// no-op stamp is written at the end of every build that changed a file, and waiting for the disk cost
    /// it some 4-8 ms a build.
    package func writeCacheFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try writeContents(contents, atPath: path, synchronizes: false)
    }

    /// Streams the chunks into the temporary file as they come, then writes the header over its start with
    /// `pwrite`: the contents are never in memory whole (the build state's snapshot, tens of megabytes at
    /// 100,000 targets, is written this way).
    package func writeFile(
        atPath path: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int {
        try writeProducing(atPath: path, beneath: nil, produce)
    }

    /// `writeFile(atPath:producing:)`, its directory resolved below `root` when there is one.
    func writeProducing(
        atPath path: String, beneath root: String?,
        _ produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int {
        var size = 0
        try writeAtomically(atPath: path, beneath: root) { (descriptor) throws(FileSystemError) in
            let header = try produce { (chunk) throws(FileSystemError) in
                try Self.writeFully(descriptor, chunk, path: path)
                size += chunk.count
            }
            precondition(header.count <= size, "a header longer than the contents")
            let failure: Int32? = header.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let count = pwrite(descriptor, raw.baseAddress! + offset, raw.count - offset, off_t(offset))
                    if count >= 0 {
                        offset += count
                    } else if errno != EINTR {
                        return errno
                    }
                }
                return nil
            }
            if let failure { throw .systemCall(path: path, operation: "write", errno: failure) }
        }
        return size
    }

    /// Replaces the file at `path` with `contents` through
    /// ``writeAtomically(atPath:beneath:mode:synchronizes:_:)``; with a `root`, `path` must lie below it.
    func writeContents(
        _ contents: [UInt8], atPath path: String, beneath root: String? = nil, mode: mode_t = 0o666,
        synchronizes: Bool
    ) throws(FileSystemError) {
        if let root { _ = try Self.splitBelow(path, root: root) }
        try writeAtomically(atPath: path, beneath: root, mode: mode, synchronizes: synchronizes) {
            (descriptor) throws(FileSystemError) in
            try Self.writeFully(descriptor, contents, path: path)
        }
    }

    /// Writes a new file beside `path` through `write`, `fsync`s it (when `synchronizes`), renames it over
    /// `path` and syncs the directory; removes it on any failure. Everything after finding the directory goes
    /// through one descriptor of it: with a `root`, the one ``openDirectory(_:beneath:creating:)`` resolved
    /// below it. A final symbolic link at `path` is replaced, not written through.
    func writeAtomically(
        atPath path: String, beneath root: String? = nil, mode: mode_t = 0o666, synchronizes: Bool = true,
        _ write: (Int32) throws(FileSystemError) -> Void
    ) throws(FileSystemError) {
        let (directory, name) = Self.split(path)
        let parent: Int32
        if let root {
            guard let opened = try Self.openDirectory(directory, beneath: root, creating: true) else {
                throw .notFound(path: directory)
            }
            parent = opened
        } else {
            try createDirectory(atPath: directory)
            parent = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard parent >= 0 else { throw .systemCall(path: directory, operation: "open", errno: errno) }
        }
        defer { close(parent) }
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 {
            temporary = ".\(name).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
            descriptor = openat(parent, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw .systemCall(path: path, operation: "open", errno: errno) }
        do throws(FileSystemError) {
            try write(descriptor)
            if synchronizes && fsync(descriptor) != 0 {
                throw .systemCall(path: path, operation: "fsync", errno: errno)
            }
            guard close(descriptor) == 0 else {
                descriptor = -1
                throw .systemCall(path: path, operation: "close", errno: errno)
            }
            descriptor = -1
            guard renameat(parent, temporary, parent, name) == 0 else {
                throw .systemCall(path: path, operation: "rename", errno: errno)
            }
        } catch {
            if descriptor >= 0 { close(descriptor) }
            unlinkat(parent, temporary, 0)
            throw error
        }
        // Some file systems refuse fsync on directories (EINVAL); the rename is then as durable as it gets.
        if synchronizes && fsync(parent) != 0 && errno != EINVAL {
            throw .systemCall(path: directory, operation: "fsync", errno: errno)
        }
    }

    /// `mkdir -p`: creates the directory and missing parents (mode 0777 minus the umask).
    ///
    /// - Throws: `FileSystemError.wrongKind` when a component is a file, `.systemCall` otherwise.
    package func createDirectory(atPath path: String) throws(FileSystemError) {
        if path.isEmpty || path == "/" { return }
        // Usually there already (every output of a directory asks): one stat then, not mkdir and a stat.
        if let existing = try metadata(atPath: path) {
            guard existing.kind == .directory else { throw .wrongKind(path: path, expected: "a directory") }
            return
        }
        if mkdir(path, 0o777) == 0 { return }
        switch errno {
        case EEXIST:
            guard try metadata(atPath: path)?.kind == .directory else {
                throw .wrongKind(path: path, expected: "a directory")
            }
        case ENOENT:
            try createDirectory(atPath: Self.split(path).directory)
            if mkdir(path, 0o777) != 0 && errno != EEXIST {
                throw .systemCall(path: path, operation: "mkdir", errno: errno)
            }
        case let code:
            throw .systemCall(path: path, operation: "mkdir", errno: code)
        }
    }

    /// Removes a file, a symbolic link (not its target) or a whole directory tree; nothing there is fine.
    ///
    /// - Throws: `FileSystemError.systemCall` (`unlink`, `rmdir`, …) on the first entry that cannot be
    ///   removed; entries removed before it stay removed.
    package func removeItem(atPath path: String) throws(FileSystemError) {
        guard let meta = try linkMetadata(atPath: path) else { return }
        if meta.kind == .directory {
            for name in try contentsOfDirectory(atPath: path) {
                try removeItem(atPath: path + "/" + name)
            }
            guard rmdir(path) == 0 || errno == ENOENT else {
                throw .systemCall(path: path, operation: "rmdir", errno: errno)
            }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else {
                throw .systemCall(path: path, operation: "unlink", errno: errno)
            }
        }
    }

    /// Opens (creating when missing, mode 0666 minus the umask) the file for appending with `O_APPEND`.
    ///
    /// - Throws: `FileSystemError.systemCall` (`open`).
    package func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw .systemCall(path: path, operation: "open", errno: errno) }
        return LocalAppendableFile(descriptor: descriptor, path: path)
    }

    // MARK: - Helpers shared with LocalAppendableFile

    static func openForReading(_ path: String) throws(FileSystemError) -> Int32 {
        while true {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 { return descriptor }
            switch errno {
            case EINTR: continue
            case ENOENT: throw .notFound(path: path)
            case let code: throw .systemCall(path: path, operation: "open", errno: code)
            }
        }
    }

    /// Up to `capacity` bytes (fewer only at end of file).
    static func readChunk(_ descriptor: Int32, capacity: Int, path: String) throws(FileSystemError) -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: capacity) { (buffer, count) throws(FileSystemError) in
            count = try readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), path: path)
        }
    }

    /// Reads until `buffer` is full or the end of the file and returns the number of bytes read; with `endsAt`, also stops once exactly that
    /// many bytes are read (a size the caller observed: see `readChunks(atPath:buffer:expectedSize:_:)`).
    static func readFully(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String, endsAt: Int? = nil
    ) throws(FileSystemError) -> Int {
        var total = 0
        while total < buffer.count {
            let count = read(descriptor, buffer.baseAddress! + total, buffer.count - total)
            if count > 0 {
                total += count
                if total == endsAt { break }
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw .systemCall(path: path, operation: "read", errno: errno)
            }
        }
        return total
    }

    package static func writeFully(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
        let failure = bytes.withUnsafeBytes { writeAll(descriptor, $0) }
        if let failure { throw .systemCall(path: path, operation: "write", errno: failure) }
    }

    static func writeFully(
        _ descriptor: Int32, _ raw: UnsafeRawBufferPointer, path: String
    ) throws(FileSystemError) {
        if let failure = writeAll(descriptor, raw) { throw .systemCall(path: path, operation: "write", errno: failure) }
    }

    /// `write(2)` until everything is written; the `errno` of a failure.
    private static func writeAll(_ descriptor: Int32, _ raw: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < raw.count {
            let count = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if count >= 0 {
                offset += count
            } else if errno != EINTR {
                return errno
            }
        }
        return nil
    }

    static func synchronizeDirectory(_ directory: String) throws(FileSystemError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .systemCall(path: directory, operation: "open", errno: errno) }
        defer { close(descriptor) }
        // Some file systems refuse fsync on directories (EINVAL); the rename is then as durable as it gets.
        if fsync(descriptor) != 0 && errno != EINVAL {
            throw .systemCall(path: directory, operation: "fsync", errno: errno)
        }
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        if slash == path.startIndex { return ("/", name) }
        return (String(path[..<slash]), name)
    }

    private static func metadata(of info: stat) -> FileMetadata {
        let kind: FileKind =
            switch info.st_mode & 0o170000 {
            case 0o100000: .regularFile
            case 0o040000: .directory
            case 0o120000: .symbolicLink
            default: .other
            }
        return FileMetadata(
            kind: kind,
            size: UInt64(max(info.st_size, 0)),
            device: UInt64(info.st_dev),
            inode: UInt64(info.st_ino),
            modificationTime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            changeTime: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
            mode: UInt32(info.st_mode & 0o7777))
    }
}
