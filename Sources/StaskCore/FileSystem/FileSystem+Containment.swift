// MARK: - Resolving paths below a directory that must not be left

extension FileSystem {
    /// The real location of `directory` (absolute, below `root` or `root` itself), its symbolic links
    /// resolved component by component below `root`.
    ///
    /// A link inside `root` is followed; one whose destination lies outside (an absolute path elsewhere, a
    /// `..` too many) ends the walk. Components that do not exist yet count as inside: creating them creates
    /// them there. A component that is a file ends the walk too (what comes next fails on its own). This is a
    /// lexical walk over ``linkMetadata(atPath:)`` and ``symbolicLinkDestination(atPath:)``: the check at
    /// load time, and the containment of fakes. `LocalFileSystem` writes through descriptors instead, so a link
    /// created after this check cannot redirect the write.
    ///
    /// - Returns: the resolved absolute path, below `root` or `root` itself.
    /// - Throws: `FileSystemError.leavesDirectory` naming the first link that leads out;
    ///   `.systemCall` (`ELOOP`) after 40 links; what examining a component throws.
    package func containedDirectory(_ directory: String, beneath root: String) throws(FileSystemError) -> String {
        guard let relative = ProjectPath.relative(ProjectPath.normalizedAbsolute(directory), toAncestor: root) else {
            throw .leavesDirectory(path: directory, root: root, link: directory, destination: directory)
        }
        var resolved: [Substring] = []
        var pending: [Substring] = relative == "." ? [] : relative.split(separator: "/").reversed()
        var isMissing = false
        var links = 0
        var lastLink = (link: directory, destination: directory)
        func current() -> String {
            resolved.reduce(root) { ProjectPath.join($0, String($1)) }
        }
        while let name = pending.popLast() {
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                guard !resolved.isEmpty else {
                    throw .leavesDirectory(
                        path: directory, root: root, link: lastLink.link, destination: lastLink.destination)
                }
                resolved.removeLast()
                continue
            }
            if isMissing {
                resolved.append(name)
                continue
            }
            let candidate = ProjectPath.join(current(), String(name))
            guard let metadata = try linkMetadata(atPath: candidate) else {
                isMissing = true
                resolved.append(name)
                continue
            }
            guard metadata.kind == .symbolicLink, let destination = try symbolicLinkDestination(atPath: candidate)
            else {
                resolved.append(name)
                if metadata.kind != .directory { isMissing = true }
                continue
            }
            links += 1
            if links > 40 { throw .systemCall(path: directory, operation: "resolve", errno: 40) }  // ELOOP
            lastLink = (candidate, destination)
            if destination.hasPrefix("/") {
                guard let inside = ProjectPath.components(of: destination, below: root) else {
                    throw .leavesDirectory(path: directory, root: root, link: candidate, destination: destination)
                }
                resolved = []
                pending += inside.reversed()
            } else {
                pending += destination.split(separator: "/").reversed()
            }
        }
        return current()
    }

    /// `path` (absolute, below `root`) with its directory resolved by ``containedDirectory(_:beneath:)`` and
    /// its last component kept as it is.
    package func containedPath(_ path: String, beneath root: String) throws(FileSystemError) -> String {
        let path = ProjectPath.normalizedAbsolute(path)
        guard path != root, ProjectPath.relative(path, toAncestor: root) != nil else {
            throw .leavesDirectory(path: path, root: root, link: path, destination: path)
        }
        let directory = try containedDirectory(ProjectPath.parent(ofAbsolute: path), beneath: root)
        return ProjectPath.join(directory, ProjectPath.name(of: path))
    }
}

// MARK: - Default implementations for simple conformers (fakes)

extension FileSystem {
    /// No links: `nil`.
    package func symbolicLinkDestination(atPath path: String) throws(FileSystemError) -> String? {
        nil
    }

    /// Resolves `path` with ``containedDirectory(_:beneath:)``, then creates it: fine for fakes, where nothing
    /// changes between the check and the creation.
    package func createDirectory(atPath path: String, beneath root: String) throws(FileSystemError) {
        try createDirectory(atPath: containedDirectory(path, beneath: root))
    }

    /// Resolves the directory of `path` with ``containedPath(_:beneath:)``, then removes the entry.
    package func removeItem(atPath path: String, beneath root: String) throws(FileSystemError) {
        try removeItem(atPath: containedPath(path, beneath: root))
    }

    /// Resolves the directory of `path` with ``containedPath(_:beneath:)``, then writes the file.
    package func writeFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError) {
        try writeFile(atPath: containedPath(path, beneath: root), contents: contents)
    }

    /// Resolves the directory of `path` with ``containedPath(_:beneath:)``, then writes the file.
    package func writeCacheFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError) {
        try writeCacheFile(atPath: containedPath(path, beneath: root), contents: contents)
    }

    /// Resolves the directory of `path` with ``containedPath(_:beneath:)``, then writes the file.
    package func writeFile(
        atPath path: String, beneath root: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int {
        try writeFile(atPath: containedPath(path, beneath: root), producing: produce)
    }

    /// Resolves the directory of `path` with ``containedPath(_:beneath:)``, then opens the file.
    package func openForAppending(atPath path: String, beneath root: String) throws(FileSystemError)
        -> any AppendableFile
    {
        try openForAppending(atPath: containedPath(path, beneath: root))
    }
}

extension ProjectPath {
    /// The components of the absolute `destination` after those of `root` (absolute, normalized), as written:
    /// a `..` among them is kept for a walk to resolve (it may lead out again); `nil` when `destination` does
    /// not start with `root`'s components.
    package static func components(of destination: String, below root: String) -> [Substring]? {
        let parts = destination.split(separator: "/").filter { $0 != "." }
        let rootParts = root.split(separator: "/")
        guard parts.count >= rootParts.count, zip(parts, rootParts).allSatisfy({ $0 == $1 }) else { return nil }
        return Array(parts.dropFirst(rootParts.count))
    }
}
