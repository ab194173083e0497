/// What the graph builder knows about paths: files on disk (read lazily, each directory listed and each
/// path examined at most once) merged with the outputs tasks declare (which may not exist yet).
///
/// Paths are in resolved form (see ``ProjectPath/resolve(_:project:)``): project-relative, `.` for the
/// project directory. Owned by one ``GraphBuilder/build(_:)`` call; not shared between threads.
final class FileIndex {
    /// What a path is on disk.
    enum DiskKind {
        case file, directory, symbolicLinkToDirectory, other
    }

    /// An entry of a merged directory listing.
    struct Child {
        let name: String
        let path: String
        /// A directory that `**` may descend into (real directories and declared-output directories).
        let isDirectory: Bool
        /// A directory reached through a symbolic link: explicit components descend, `**` does not.
        let isLinkedDirectory: Bool
        let isFile: Bool
    }

    let fileSystem: any FileSystem
    let project: String
    /// Paths matched on disk that globs must ignore (outputs of an earlier build no task declares now).
    let ignored: Set<String>

    private var diskKinds: [String: DiskKind?] = [:]
    /// Directory → its entries, with the kind the listing told (`nil`: examine the entry with `diskKind`).
    private var diskListings: [String: [(name: String, path: String, kind: DiskKind?)]] = [:]
    private var outputs: Set<String> = []
    private var outputChildren: [String: [String: Bool]] = [:]
    private var globCache: [String: [String]] = [:]
    /// Every `lstat` and `stat` this index made, in order: what the graph's shape depends on on disk. A
    /// directory is examined before it is listed, so adding or removing an entry later changes its
    /// observed times. Entries known from a listing's `d_type` are covered by their directory's.
    private(set) var observations: [FileObservation] = []
    /// The ``DirectoryListingDigest`` of each directory listed, by path.
    private(set) var listingDigests: [String: ContentDigest] = [:]

    init(fileSystem: any FileSystem, project: String, ignored: Set<String>) {
        self.fileSystem = fileSystem
        self.project = project
        self.ignored = ignored
    }

    // MARK: - Declared outputs

    /// Replaces the set of declared outputs (clears cached glob results).
    func setOutputs(_ paths: some Sequence<String>) {
        outputs = []
        outputChildren = [:]
        globCache = [:]
        for path in paths where outputs.insert(path).inserted {
            var child = path
            var isDirectory = false
            while true {
                let parent = ProjectPath.directory(of: child)
                let name = ProjectPath.name(of: child)
                // One in-place update of the inner dictionary (two subscripts would copy it).
                let existing = outputChildren[parent, default: [:]].updateValue(isDirectory, forKey: name)
                if existing == true && !isDirectory { outputChildren[parent]?[name] = true }
                if existing != nil || parent == "." || parent == "/" || parent == child { break }
                child = parent
                isDirectory = true
            }
        }
    }

    /// Whether `path` is a declared output.
    func isOutput(_ path: String) -> Bool { outputs.contains(path) }

    /// Drops every table kept for lookups (listings, kinds, outputs, glob results), keeping
    /// ``observations``: for when the graph no longer asks about paths. Queries afterwards would examine the
    /// disk again and see no declared outputs.
    func releaseLookupTables() {
        diskKinds = [:]
        diskListings = [:]
        outputs = []
        outputChildren = [:]
        globCache = [:]
    }

    // MARK: - Queries

    /// Runs `body`, turning a file-system failure into `TaskfileError.fileSystem` at `location`.
    func checked<T>(_ location: SourceLocation, _ body: () throws(FileSystemError) -> T) throws(TaskfileError) -> T {
        do {
            return try body()
        } catch {
            throw .fileSystem(location, underlying: error)
        }
    }

    /// Whether `path` is a file: a declared output, or a file (or link to one) on disk.
    func isFile(_ path: String) throws(FileSystemError) -> Bool {
        if outputs.contains(path) { return true }
        return try diskKind(path) == .file
    }

    /// Whether `path` is a directory on disk (or holds declared outputs).
    func isDirectory(_ path: String) throws(FileSystemError) -> Bool {
        if outputChildren[path] != nil { return true }
        let kind = try diskKind(path)
        return kind == .directory || kind == .symbolicLinkToDirectory
    }

    /// What `path` is on disk, following a final symbolic link; `nil` when absent, or a link that
    /// cannot be followed (dangling, a loop such as `x -> y -> x`, a target that cannot be examined):
    /// otherwise a stray link loop below a globbed directory would fail every build.
    func diskKind(_ path: String) throws(FileSystemError) -> DiskKind? {
        if let cached = diskKinds[path] { return cached }
        let absolute = ProjectPath.absolute(path, project: project)
        var kind: DiskKind?
        let link = try fileSystem.linkMetadata(atPath: absolute)
        observations.append(FileObservation(path: path, followsLinks: false, metadata: link))
        if let link {
            switch link.kind {
            case .regularFile: kind = .file
            case .directory: kind = .directory
            case .other: kind = .other
            case .symbolicLink:
                let target = try? fileSystem.metadata(atPath: absolute)
                // A target that cannot be examined is observed as absent: examining it later fails
                // or differs, either of which counts as a change.
                observations.append(FileObservation(path: path, followsLinks: true, metadata: target))
                switch target?.kind {
                case .regularFile?: kind = .file
                case .directory?: kind = .symbolicLinkToDirectory
                case nil: kind = nil
                default: kind = .other
                }
            }
        }
        diskKinds[path] = kind
        return kind
    }

    /// The merged listing of `directory` (disk entries and declared outputs) whose names satisfy
    /// `include`, in no particular order. `.stask` at the project root is left out. Only included names
    /// are examined on disk.
    func children(of directory: String, where include: (String) -> Bool) throws(FileSystemError) -> [Child] {
        let declared = outputChildren[directory]
        var result: [Child] = []
        for (name, path, listedKind) in try diskEntries(directory) where declared?[name] == nil && include(name) {
            if directory == "." && name == ".stask" { continue }
            let kind: DiskKind?
            if let listedKind { kind = listedKind } else { kind = try diskKind(path) }
            if kind == .file && ignored.contains(path) { continue }
            result.append(
                Child(
                    name: name, path: path, isDirectory: kind == .directory,
                    isLinkedDirectory: kind == .symbolicLinkToDirectory, isFile: kind == .file))
        }
        for (name, isOutputDirectory) in declared ?? [:] where include(name) {
            let path = Self.join(directory, name)
            if outputs.contains(path) {
                result.append(Child(name: name, path: path, isDirectory: false, isLinkedDirectory: false, isFile: true))
                continue
            }
            // A directory holding declared outputs; it may exist on disk too, possibly as a link.
            let kind = try diskKind(path)
            result.append(
                Child(
                    name: name, path: path, isDirectory: isOutputDirectory || kind == .directory,
                    isLinkedDirectory: kind == .symbolicLinkToDirectory, isFile: kind == .file))
        }
        return result
    }

    /// The entries of `directory` on disk. A regular file, directory or other entry is known from the
    /// listing (`d_type`) and costs no `lstat`, here or in a later `diskKind` (a `foreach` item named again as
    /// an input); a symbolic link or an entry of unknown kind is left `nil`.
    private func diskEntries(
        _ directory: String
    ) throws(FileSystemError) -> [(name: String, path: String, kind: DiskKind?)] {
        if let cached = diskListings[directory] { return cached }
        var entries: [(name: String, path: String, kind: DiskKind?)] = []
        let observed = observations.count
        let kind = try diskKind(directory)
        if kind == .directory && observations.count == observed {
            // Known from its parent's listing, so never examined itself: a listing must be observed (an entry
            // added or removed moves its times) before it is read, or a new file under `src/*/` goes unseen.
            let absolute = ProjectPath.absolute(directory, project: project)
            observations.append(
                FileObservation(
                    path: directory, followsLinks: false, metadata: try fileSystem.linkMetadata(atPath: absolute)))
        }
        if kind == .directory || kind == .symbolicLinkToDirectory {
            do {
                let listed = try fileSystem.directoryEntries(atPath: ProjectPath.absolute(directory, project: project))
                listingDigests[directory] = DirectoryListingDigest.digest(of: listed)
                entries.reserveCapacity(listed.count)
                for entry in listed {
                    let known: DiskKind?
                    switch entry.kind {
                    case .regularFile?: known = .file
                    case .directory?: known = .directory
                    case .other?: known = .other
                    case .symbolicLink?, nil: known = nil
                    }
                    let path = Self.join(directory, entry.name)
                    if let known, diskKinds[path] == nil { diskKinds[path] = known }
                    entries.append((entry.name, path, known))
                }
            } catch {
                if case .notFound = error {} else { throw error }
            }
        }
        diskListings[directory] = entries
        return entries
    }

    static func join(_ directory: String, _ name: String) -> String {
        if directory == "." { return name }
        if directory == "/" { return "/" + name }
        return directory + "/" + name
    }

    // MARK: - Globs

    /// The files matching `pattern` (a glob, relative to the project directory), sorted byte-wise.
    ///
    /// Results are cached per pattern text until the declared outputs change.
    /// - Complexity: Each directory the pattern can reach is listed once, each entry examined once.
    func expand(_ pattern: String) throws(FileSystemError) -> [String] {
        if let cached = globCache[pattern] { return cached }
        let glob = Glob(pattern, project: project)
        precondition(!glob.components.isEmpty, "expand only patterns")
        var matches: [String] = []
        var visited: Set<VisitKey> = []
        if !ProjectPath.isInStateDirectory(glob.base), try isDirectory(glob.base) {
            try walk(glob, directory: glob.base, index: 0, into: &matches, visited: &visited)
        }
        matches.sort(by: ProjectPath.precedes)
        var unique: [String] = []
        unique.reserveCapacity(matches.count)
        for match in matches where unique.last != match { unique.append(match) }
        globCache[pattern] = unique
        return unique
    }

    private struct VisitKey: Hashable {
        let directory: String
        let index: Int
    }

    private func walk(
        _ glob: Glob, directory: String, index: Int, into matches: inout [String], visited: inout Set<VisitKey>
    ) throws(FileSystemError) {
        guard visited.insert(VisitKey(directory: directory, index: index)).inserted else { return }
        let isLast = index == glob.components.count - 1
        switch glob.components[index] {
        case .literal(let name):
            let path = Self.join(directory, name)
            if directory == "." && name == ".stask" { return }
            if isLast {
                if try isFile(path), !(ignored.contains(path) && !outputs.contains(path)) { matches.append(path) }
            } else if try isDirectory(path) {
                try walk(glob, directory: path, index: index + 1, into: &matches, visited: &visited)
            }
        case .pattern(let pattern):
            for child in try children(of: directory, where: pattern.matches) {
                if isLast {
                    if child.isFile { matches.append(child.path) }
                } else if child.isDirectory || child.isLinkedDirectory {
                    try walk(glob, directory: child.path, index: index + 1, into: &matches, visited: &visited)
                }
            }
        case .recursive:
            try walk(glob, directory: directory, index: index + 1, into: &matches, visited: &visited)
            let visible = try children(of: directory) { $0.utf8.first != UInt8(ascii: ".") }
            for child in visible where child.isDirectory {
                try walk(glob, directory: child.path, index: index, into: &matches, visited: &visited)
            }
        }
    }
}
