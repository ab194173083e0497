// MARK: - list and clean

extension BuildEngine {
    /// The tasks of the Taskfile, for `stask list`. Reads the Taskfile, the file tree (for globs) and, when
    /// `withState`, the build state (for learned memory); takes no lock and writes nothing.
    ///
    /// - Throws: `TaskfileError` when the Taskfile or its graph is wrong.
    package func list(_ options: BuildOptions, withState: Bool = false) throws -> TaskListing {
        let graph = try graph(options)
        guard withState else { return TaskListing(graph: graph) }
        let stateDirectory = ProjectPath.join(graph.projectDirectory, ".stask")
        guard (try? fileSystem.metadata(atPath: stateDirectory)) ?? nil != nil else { return TaskListing(graph: graph) }
        let state = BuildStateStore.load(directory: stateDirectory, fileSystem: fileSystem).state
        return TaskListing(graph: graph) { id in state.records[id].flatMap { $0.peakMemory == 0 ? nil : $0.peakMemory }
        }
    }

    /// What `stask clean` removed.
    package struct CleanResult: Sendable, Hashable {
        /// Output files removed (project-relative).
        package var removedOutputs: [String]
        /// Whether `.stask/` existed and was removed.
        package var removedState: Bool
    }

    /// Removes every declared output (and every output recorded by an earlier build that no task declares
    /// any more), the directories left empty by that, and `.stask/`, under the build lock.
    ///
    /// - Parameter onWait: Called once when another stask holds the lock and `options.noWait` is false.
    /// - Throws: `TaskfileError` when the Taskfile is wrong, `BuildStateError` when the lock cannot be
    ///   taken, `FileSystemError` when a file cannot be removed.
    package func clean(_ options: BuildOptions, onWait: @escaping @Sendable () -> Void = {}) async throws -> CleanResult
    {
        let taskfile = try loadTaskfile(options)
        let project = taskfile.directory
        // Every removal below goes through the contained file system: a link never leads it out.
        guard let wrapped = fileSystem as? ContainedFileSystem, wrapped.root == project else {
            return try await contained(in: project).clean(options, onWait: onWait)
        }
        let stateDirectory = ProjectPath.join(project, ".stask")
        let hadState = (try? fileSystem.metadata(atPath: stateDirectory)) ?? nil != nil
        var outputs = Set<String>()
        if hadState {
            for record in BuildStateStore.load(directory: stateDirectory, fileSystem: fileSystem).state.records.values {
                outputs.formUnion(record.outputDigests.keys)
            }
        }
        let graph = try GraphBuilder(
            fileSystem: fileSystem, options: GraphBuilder.Options(cpuCount: cpuCount, staleOutputs: outputs)
        ).build(taskfile)
        outputs.formUnion(graph.producers.keys)

        let release = try await acquireLock(stateDirectory, !options.noWait, onWait)
        defer { release() }
        var removed: [String] = []
        var parents = Set<String>()
        for output in outputs.sorted() {
            let path = ProjectPath.absolute(output, project: project)
            guard let metadata = try fileSystem.linkMetadata(atPath: path), metadata.kind != .directory else {
                continue
            }
            try fileSystem.removeItem(atPath: path)
            removed.append(output)
            parents.insert(ProjectPath.parent(ofAbsolute: path))
        }
        try removeEmptyDirectories(parents, below: project)
        try fileSystem.removeItem(atPath: stateDirectory)
        return CleanResult(removedOutputs: removed, removedState: hadState)
    }

    /// Removes each directory that is empty, then its parents while they become empty, never `project`.
    private func removeEmptyDirectories(_ directories: Set<String>, below project: String) throws {
        // Deepest first, so a parent is examined after its children.
        var pending = directories.sorted { $0.count > $1.count }
        var examined = Set<String>()
        while let directory = pending.first {
            pending.removeFirst()
            guard directory.hasPrefix(project + "/"), examined.insert(directory).inserted else { continue }
            guard (try? fileSystem.contentsOfDirectory(atPath: directory))?.isEmpty == true else { continue }
            try fileSystem.removeItem(atPath: directory)
            pending.append(ProjectPath.parent(ofAbsolute: directory))
            pending.sort { $0.count > $1.count }
        }
    }
}
