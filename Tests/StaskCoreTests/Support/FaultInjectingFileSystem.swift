import Glibc
import StaskCore
import Synchronization

/// Wraps a file system and fails chosen operations with an `errno`, to test error paths (full disk,
/// read-only directory) without privileges.
final class FaultInjectingFileSystem: FileSystem {
    struct Faults {
        /// `openForAppending` fails with this errno.
        var openForAppending: Int32?
        /// `writeFile` fails with this errno.
        var writeFile: Int32?
        /// Appends fail with this errno after this many succeeded.
        var appendFailsAfter: Int?
        var appendErrno: Int32 = ENOSPC
    }

    let base: any FileSystem
    let faults: Mutex<Faults>
    let appendCount = Mutex(0)
    /// Every path `readFile` or `readChunks` was asked for, in order.
    let readPaths = Mutex<[String]>([])
    /// Every directory listed, in order.
    let listedPaths = Mutex<[String]>([])

    init(base: any FileSystem, faults: Faults = Faults()) {
        self.base = base
        self.faults = Mutex(faults)
    }

    func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        try base.metadata(atPath: path)
    }

    func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        try base.linkMetadata(atPath: path)
    }

    func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        listedPaths.withLock { $0.append(path) }
        return try base.contentsOfDirectory(atPath: path)
    }

    func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] {
        readPaths.withLock { $0.append(path) }
        return try base.readFile(atPath: path)
    }

    func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        if let code = faults.withLock({ $0.writeFile }) {
            throw .systemCall(path: path, operation: "write", errno: code)
        }
        try base.writeFile(atPath: path, contents: contents)
    }

    func createDirectory(atPath path: String) throws(FileSystemError) {
        try base.createDirectory(atPath: path)
    }

    func removeItem(atPath path: String) throws(FileSystemError) {
        try base.removeItem(atPath: path)
    }

    func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, expectedSize: UInt64?,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        readPaths.withLock { $0.append(path) }
        try base.readChunks(atPath: path, buffer: buffer, expectedSize: expectedSize, body)
    }

    func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile {
        if let code = faults.withLock({ $0.openForAppending }) {
            throw .systemCall(path: path, operation: "open", errno: code)
        }
        return FaultyAppendableFile(base: try base.openForAppending(atPath: path), owner: self)
    }
}

/// Fails appends as its owner's faults say, writing half of the bytes first (a torn write).
final class FaultyAppendableFile: AppendableFile {
    let base: any AppendableFile
    let owner: FaultInjectingFileSystem

    init(base: any AppendableFile, owner: FaultInjectingFileSystem) {
        self.base = base
        self.owner = owner
    }

    var path: String { base.path }

    func append(_ bytes: [UInt8]) throws(FileSystemError) {
        let faults = owner.faults.withLock { $0 }
        let count = owner.appendCount.withLock { count in
            count += 1
            return count
        }
        if let limit = faults.appendFailsAfter, count > limit {
            try base.append(Array(bytes.prefix(bytes.count / 2)))
            throw .systemCall(path: path, operation: "write", errno: faults.appendErrno)
        }
        try base.append(bytes)
    }

    func truncate(toSize size: UInt64) throws(FileSystemError) {
        try base.truncate(toSize: size)
    }

    func synchronize() throws(FileSystemError) {
        try base.synchronize()
    }

    func close() {
        base.close()
    }
}

/// Counts whole-file and chunked reads, to prove the stat cache did not read a file, and how often each
/// path's metadata was asked for.
final class ReadCountingFileSystem: FileSystem {
    let base: any FileSystem
    private let reads = Mutex(0)
    private let examined = Mutex<[String: Int]>([:])

    private let linkExamined = Mutex<[String: Int]>([:])
    private let batched = Mutex<[String: Int]>([:])
    private let afterBatch = Mutex<(@Sendable () -> Void)?>(nil)

    /// Runs `action` once, right after the next `examineAll(_:below:)` has examined its paths.
    func onceAfterNextBatch(_ action: @escaping @Sendable () -> Void) { afterBatch.withLock { $0 = action } }

    /// How many times `metadata(atPath:)` was asked about `path` so far, alone or among many
    /// (`examineAll(_:below:)`, following links).
    func examinations(of path: String) -> Int { examined.withLock { $0[path, default: 0] } }

    /// How many times `metadata(atPath:)` or `linkMetadata(atPath:)` was asked about `path` so far.
    func allExaminations(of path: String) -> Int {
        examinations(of: path) + linkExamined.withLock { $0[path, default: 0] }
    }

    /// How many times `path` was examined among many (`examineAll(_:below:)`) so far.
    func batchExaminations(of path: String) -> Int { batched.withLock { $0[path, default: 0] } }

    init(base: any FileSystem) {
        self.base = base
    }

    var readCount: Int { reads.withLock { $0 } }

    func examineAll(_ paths: [(UnsafeRawBufferPointer, Bool)], below directory: String) -> [FileMetadata??] {
        for (bytes, followsLinks) in paths {
            let path = ProjectPath.absolute(String(decoding: bytes, as: UTF8.self), project: directory)
            batched.withLock { $0[path, default: 0] += 1 }
            if followsLinks {
                examined.withLock { $0[path, default: 0] += 1 }
            } else {
                linkExamined.withLock { $0[path, default: 0] += 1 }
            }
        }
        let found = base.examineAll(paths, below: directory)
        afterBatch.withLock { action in
            action?()
            action = nil
        }
        return found
    }

    func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        examined.withLock { $0[path, default: 0] += 1 }
        return try base.metadata(atPath: path)
    }

    func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        linkExamined.withLock { $0[path, default: 0] += 1 }
        return try base.linkMetadata(atPath: path)
    }

    func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        try base.contentsOfDirectory(atPath: path)
    }

    func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] {
        reads.withLock { $0 += 1 }
        return try base.readFile(atPath: path)
    }

    func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try base.writeFile(atPath: path, contents: contents)
    }

    func createDirectory(atPath path: String) throws(FileSystemError) {
        try base.createDirectory(atPath: path)
    }

    func removeItem(atPath path: String) throws(FileSystemError) {
        try base.removeItem(atPath: path)
    }

    func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, expectedSize: UInt64?,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        reads.withLock { $0 += 1 }
        try base.readChunks(atPath: path, buffer: buffer, expectedSize: expectedSize, body)
    }

    func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile {
        try base.openForAppending(atPath: path)
    }
}
