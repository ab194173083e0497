import CStaskShims
import Glibc
package import StaskCore
import Synchronization

// MARK: - Writing and removing below a directory that must not be left

extension LocalFileSystem {
    /// Whether `openat2(2)` may be tried: cleared for the process's lifetime once it answers `ENOSYS` (a
    /// kernel before 5.6) or `EPERM` (a seccomp filter that does not know it).
    private static let mayUseOpenat2 = Atomic<Bool>(true)

    /// `readlink(2)`: the destination as written; `nil` when nothing is there or it is not a link.
    ///
    /// - Throws: `FileSystemError.systemCall` for other failures.
    package func symbolicLinkDestination(atPath path: String) throws(FileSystemError) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!, $0.count) }
        guard count >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR || code == EINVAL { return nil }
            throw .systemCall(path: path, operation: "readlink", errno: code)
        }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Creates `path` and its missing parents below `root`, through ``openDirectory(_:beneath:creating:)``.
    package func createDirectory(atPath path: String, beneath root: String) throws(FileSystemError) {
        if let descriptor = try Self.openDirectory(path, beneath: root, creating: true) { close(descriptor) }
    }

    /// Removes `path` relative to a descriptor of its directory, opened by
    /// ``openDirectory(_:beneath:creating:)``: a final link with `unlinkat`, a directory tree entry by entry
    /// through descriptors opened with `O_NOFOLLOW`, so no link in it is followed either.
    package func removeItem(atPath path: String, beneath root: String) throws(FileSystemError) {
        let (directory, name) = try Self.splitBelow(path, root: root)
        guard let parent = try Self.openDirectory(directory, beneath: root, creating: false) else { return }
        defer { close(parent) }
        try Self.removeEntry(name, in: parent, path: path)
    }

    /// Writes the file atomically, as `writeFile(atPath:contents:)`, in a directory opened by
    /// ``openDirectory(_:beneath:creating:)``: the temporary file, the rename and the sync all go through
    /// that descriptor.
    package func writeFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError) {
        try writeContents(contents, atPath: path, beneath: root, synchronizes: true)
    }

    /// Writes the file as ``writeCacheFile(atPath:contents:)`` (without `fsync`), in a directory opened by
    /// ``openDirectory(_:beneath:creating:)``.
    package func writeCacheFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError) {
        try writeContents(contents, atPath: path, beneath: root, synchronizes: false)
    }

    /// Streams the file as `writeFile(atPath:producing:)`, in a directory opened by
    /// ``openDirectory(_:beneath:creating:)``.
    package func writeFile(
        atPath path: String, beneath root: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int {
        _ = try Self.splitBelow(path, root: root)
        return try writeProducing(atPath: path, beneath: root, produce)
    }

    /// Opens the file for appending with `openat` and `O_NOFOLLOW` in a directory opened by
    /// ``openDirectory(_:beneath:creating:)``; the directory must exist.
    ///
    /// - Throws: `FileSystemError.notFound` for a missing directory, `.leavesDirectory`, `.systemCall`
    ///   (`ELOOP` for a final symbolic link).
    package func openForAppending(atPath path: String, beneath root: String) throws(FileSystemError)
        -> any AppendableFile
    {
        let (directory, name) = try Self.splitBelow(path, root: root)
        guard let parent = try Self.openDirectory(directory, beneath: root, creating: false) else {
            throw .notFound(path: directory)
        }
        defer { close(parent) }
        let descriptor = openat(parent, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o666)
        guard descriptor >= 0 else { throw .systemCall(path: path, operation: "open", errno: errno) }
        return LocalAppendableFile(descriptor: descriptor, path: path)
    }

    /// Writes a restored output atomically in a directory opened by ``openDirectory(_:beneath:creating:)``,
    /// with mode 0666 (0777 when `isExecutable`) minus the umask and without `fsync`: the remote cache's
    /// restore, whose outputs the build state checks by digest before trusting them.
    ///
    /// - Throws: `FileSystemError.leavesDirectory` when the output's directory leads out of `root`;
    ///   `.systemCall` naming the failing step.
    package func writeRestoredFile(
        atPath path: String, contents: [UInt8], isExecutable: Bool, beneath root: String
    ) throws(FileSystemError) {
        try writeContents(
            contents, atPath: path, beneath: root, mode: isExecutable ? 0o777 : 0o666, synchronizes: false)
    }

    // MARK: - Resolution

    /// A descriptor (close-on-exec, to be closed by the caller) of the directory `path` (absolute, below
    /// `root` or `root` itself), resolved below `root` so that no symbolic link leads out of it.
    ///
    /// First `openat2(2)` with `RESOLVE_BENEATH` from a descriptor of `root`, where the kernel has it: one
    /// system call that the kernel refuses (`EXDEV`) if any step would leave `root`. When it fails for any
    /// reason (a missing directory to create, an absolute link that leads back inside, a kernel without it)
    /// the walk decides: each component opened with `openat(O_DIRECTORY | O_NOFOLLOW)` relative to the one
    /// before, a symbolic link read with `readlinkat` and followed by hand (a relative destination from its
    /// directory, an absolute one only when it lies below `root`), a `..` popping the walk and failing at
    /// `root`. Between two components nothing is looked up by name from the top again, so a link created
    /// meanwhile is either seen by the walk or not on the path at all.
    ///
    /// - Parameters:
    ///   - creating: Whether to create missing directories (`mkdirat`, mode 0777 minus the umask).
    ///   - triesOpenat2: Whether `openat2` may be tried first; tests turn it off to exercise the walk.
    /// - Returns: the descriptor; `nil` when a directory is missing and `creating` is false.
    /// - Throws: `FileSystemError.leavesDirectory` naming the link that leads out; `.wrongKind` for a file
    ///   where a directory must be; `.systemCall` otherwise (`ELOOP` after 40 links).
    package static func openDirectory(
        _ path: String, beneath root: String, creating: Bool, triesOpenat2: Bool = true
    ) throws(FileSystemError) -> Int32? {
        let root = ProjectPath.normalizedAbsolute(root)
        guard let relative = ProjectPath.relative(ProjectPath.normalizedAbsolute(path), toAncestor: root) else {
            throw .leavesDirectory(path: path, root: root, link: path, destination: path)
        }
        let rootDescriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootDescriptor >= 0 else { throw .systemCall(path: root, operation: "open", errno: errno) }
        if relative == "." { return rootDescriptor }
        if triesOpenat2 && mayUseOpenat2.load(ordering: .relaxed) {
            let descriptor = stask_openat2_beneath(rootDescriptor, relative, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if descriptor >= 0 {
                close(rootDescriptor)
                return descriptor
            }
            if errno == ENOSYS || errno == EPERM { mayUseOpenat2.store(false, ordering: .relaxed) }
        }
        return try walk(relative, path: path, root: root, rootDescriptor: rootDescriptor, creating: creating)
    }

    /// The component walk of ``openDirectory(_:beneath:creating:)``; takes ownership of `rootDescriptor`.
    private static func walk(
        _ relative: String, path: String, root: String, rootDescriptor: Int32, creating: Bool
    ) throws(FileSystemError) -> Int32? {
        // The descriptors from the root down to the current directory: `..` pops one.
        var opened: [Int32] = [rootDescriptor]
        var names: [Substring] = []
        defer { for descriptor in opened { close(descriptor) } }
        var pending: [Substring] = relative.split(separator: "/").reversed()
        var links = 0
        var lastLink = (link: path, destination: path)
        while let name = pending.popLast() {
            if name == "." || name.isEmpty { continue }
            let here = (names + [name]).reduce(root) { ProjectPath.join($0, String($1)) }
            if name == ".." {
                guard opened.count > 1 else {
                    throw .leavesDirectory(
                        path: path, root: root, link: lastLink.link, destination: lastLink.destination)
                }
                close(opened.removeLast())
                names.removeLast()
                continue
            }
            let descriptor = openat(opened.last!, String(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if descriptor >= 0 {
                opened.append(descriptor)
                names.append(name)
                continue
            }
            switch errno {
            case EINTR:
                pending.append(name)
            case ENOENT:
                guard creating else { return nil }
                if mkdirat(opened.last!, String(name), 0o777) != 0 && errno != EEXIST {
                    throw .systemCall(path: here, operation: "mkdir", errno: errno)
                }
                pending.append(name)  // opened again: a link put there meanwhile is caught by O_NOFOLLOW
            case ELOOP, ENOTDIR:
                guard let destination = try readLink(name, in: opened.last!, path: here) else {
                    throw .wrongKind(path: here, expected: "a directory")
                }
                links += 1
                if links > 40 { throw .systemCall(path: path, operation: "openat", errno: ELOOP) }
                lastLink = (here, destination)
                if destination.hasPrefix("/") {
                    guard let inside = ProjectPath.components(of: destination, below: root) else {
                        throw .leavesDirectory(path: path, root: root, link: here, destination: destination)
                    }
                    for descriptor in opened.dropFirst() { close(descriptor) }
                    opened.removeSubrange(1...)
                    names = []
                    pending += inside.reversed()
                } else {
                    pending += destination.split(separator: "/").reversed()
                }
            case let code:
                throw .systemCall(path: here, operation: "openat", errno: code)
            }
        }
        return opened.removeLast()
    }

    /// `readlinkat`: the destination of the link `name` in `directory`; `nil` when it is not a link.
    private static func readLink(_ name: Substring, in directory: Int32, path: String) throws(FileSystemError)
        -> String?
    {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { readlinkat(directory, String(name), $0.baseAddress!, $0.count) }
        guard count >= 0 else {
            if errno == EINVAL { return nil }
            throw .systemCall(path: path, operation: "readlink", errno: errno)
        }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// The directory and name of `path`, which must lie below `root`, not be it.
    static func splitBelow(_ path: String, root: String) throws(FileSystemError) -> (directory: String, name: String) {
        let normalized = ProjectPath.normalizedAbsolute(path)
        let root = ProjectPath.normalizedAbsolute(root)
        guard normalized != root, ProjectPath.relative(normalized, toAncestor: root) != nil else {
            throw .leavesDirectory(path: path, root: root, link: path, destination: path)
        }
        return split(normalized)
    }

    /// Removes the entry `name` of the directory open as `directory`: `unlinkat`, or for a directory its
    /// entries (through a descriptor opened with `O_NOFOLLOW`) and then itself.
    private static func removeEntry(_ name: String, in directory: Int32, path: String) throws(FileSystemError) {
        if unlinkat(directory, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else {
            throw .systemCall(path: path, operation: "unlink", errno: errno)
        }
        let descriptor = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .systemCall(path: path, operation: "open", errno: errno) }
        guard let stream = fdopendir(descriptor) else {
            close(descriptor)
            throw .systemCall(path: path, operation: "fdopendir", errno: errno)
        }
        var names: [String] = []
        while let entry = readdir(stream) {
            let entryName = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if entryName != "." && entryName != ".." { names.append(entryName) }
        }
        do throws(FileSystemError) {
            for entryName in names {
                try removeEntry(entryName, in: descriptor, path: path + "/" + entryName)
            }
        } catch {
            closedir(stream)
            throw error
        }
        closedir(stream)
        guard unlinkat(directory, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
            throw .systemCall(path: path, operation: "rmdir", errno: errno)
        }
    }
}
