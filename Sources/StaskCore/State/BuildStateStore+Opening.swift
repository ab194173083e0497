// MARK: - Opening a state directory

extension BuildStateStore {
    /// Opens the state in `directory` (created when missing) for a build.
    ///
    /// Call it while holding the `BuildLock`. Damaged files become warnings and are replaced by a compaction
    /// (at once for the journal, at `close()` for the snapshot).
    /// - Parameters:
    ///   - directory: the state directory, normally `<project>/.stask`.
    ///   - fileSystem: where the files live; `LocalFileSystem` in production.
    /// - Returns: the store and the warnings to print (empty when all is well).
    /// - Throws: `BuildStateError.notWritable` when the directory or its files cannot be created or written.
    package static func open(
        directory: String, fileSystem: any FileSystem
    ) throws(BuildStateError) -> (store: BuildStateStore, warnings: [BuildStateWarning]) {
        try open(directory: directory, fileSystem: fileSystem, minimumCompactionSize: minimumCompactionSize)
    }

    /// `open(directory:fileSystem:)` with another compaction threshold (0: compact at every close).
    static func open(
        directory: String, fileSystem: any FileSystem, minimumCompactionSize: Int
    ) throws(BuildStateError) -> (store: BuildStateStore, warnings: [BuildStateWarning]) {
        do {
            try fileSystem.createDirectory(atPath: directory)
        } catch {
            throw .notWritable(path: directory, underlying: error)
        }
        let snapshotPath = path(directory, snapshotFileName)
        let journalPath = path(directory, journalFileName)
        let loaded = loadFiles(directory: directory, fileSystem: fileSystem)
        var storage = Storage(
            state: loaded.state, journal: nil, journalLength: loaded.journalLength, snapshotSize: loaded.snapshotSize,
            mustCompact: loaded.isSnapshotUnusable, minimumCompactionSize: minimumCompactionSize)

        if loaded.isSnapshotUnusable, (try? fileSystem.linkMetadata(atPath: snapshotPath))??.kind == .directory {
            // Something made a directory where the snapshot goes; a compaction could not rename over it.
            try removeOrThrow(snapshotPath, fileSystem)
        }
        switch loaded.journal {
        case .clean where !storage.shouldCompact:
            // Keep appending to the journal; prove the directory writable with a probe file.
            let probePath = path(directory, ".probe")
            do {
                let probe = try fileSystem.openForAppending(atPath: probePath)
                probe.close()
                try fileSystem.removeItem(atPath: probePath)
                let journal = try fileSystem.openForAppending(atPath: journalPath)
                storage.journal = journal
                if storage.journalLength == 0 {
                    try journal.append(BuildStateJournal.header())
                    storage.journalLength = BuildStateJournal.headerSize
                }
            } catch {
                throw .notWritable(path: directory, underlying: error)
            }
            storage.openedJournalLength = storage.journalLength
            return (BuildStateStore(directory: directory, fileSystem: fileSystem, storage: storage), loaded.warnings)
        case .clean, .damaged:
            // Fold what could be replayed into a new snapshot and start an empty journal.
            do {
                storage.snapshotSize = try writeSnapshot(loaded.state, to: snapshotPath, fileSystem)
            } catch {
                throw .notWritable(path: snapshotPath, underlying: error)
            }
            storage.mustCompact = false
            // The state is unchanged; keep serving it from the old snapshot object (which journal entries
            // must then not name: the file is another).
            storage.snapshotIsOnDisk = false
            try removeOrThrow(journalPath, fileSystem)
        case .absent:
            break
        }
        let header = BuildStateJournal.header()
        do {
            let journal = try fileSystem.openForAppending(atPath: journalPath)
            storage.journal = journal
            try journal.append(header)
            storage.journalLength = header.count
        } catch {
            throw .notWritable(path: journalPath, underlying: error)
        }
        return (BuildStateStore(directory: directory, fileSystem: fileSystem, storage: storage), loaded.warnings)
    }

    /// Reads the state in `directory` without locking or writing anything (for `stask explain`, `list`).
    ///
    /// A missing directory or files give an empty state and no warning.
    /// - Returns: the state (snapshot plus replayed journal) and the warnings about damaged files.
    package static func load(
        directory: String, fileSystem: any FileSystem
    ) -> (state: BuildState, warnings: [BuildStateWarning]) {
        let loaded = loadFiles(directory: directory, fileSystem: fileSystem)
        return (loaded.state.materialized(), loaded.warnings)
    }
}
