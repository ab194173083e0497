// MARK: - Loading the files and recovering from damage

extension BuildStateStore {
    enum JournalStatus {
        /// No journal file.
        case absent
        /// A journal whose every byte was replayed (possibly empty, possibly without a header yet).
        case clean
        /// A journal that could not be read, or not entirely.
        case damaged
    }

    struct Loaded {
        var state = LiveState(snapshot: nil)
        var warnings: [BuildStateWarning] = []
        var snapshotSize = 0
        var isSnapshotUnusable = false
        var journal = JournalStatus.absent
        var journalLength = 0
    }

    static func loadFiles(directory: String, fileSystem: any FileSystem) -> Loaded {
        var loaded = Loaded()
        let snapshotPath = path(directory, snapshotFileName)
        switch readIfPresent(snapshotPath, fileSystem) {
        case nil:
            break
        case .failure(let error):
            loaded.isSnapshotUnusable = true
            loaded.warnings.append(BuildStateWarning(path: snapshotPath, reason: .unreadable(error)))
        case .success(let bytes):
            loaded.snapshotSize = bytes.count
            switch StateSnapshot.load(bytes) {
            case .success(let snapshot):
                loaded.state = LiveState(snapshot: snapshot)
            case .failure(let unusable):
                loaded.isSnapshotUnusable = true
                loaded.warnings.append(BuildStateWarning(path: snapshotPath, reason: unusable.reason))
            }
        }

        let journalPath = path(directory, journalFileName)
        switch readIfPresent(journalPath, fileSystem) {
        case nil:
            break
        case .failure(let error):
            loaded.journal = .damaged
            loaded.warnings.append(BuildStateWarning(path: journalPath, reason: .unreadable(error)))
        case .success(let bytes):
            let replay = BuildStateJournal.decode(bytes)
            loaded.state.replay(replay.entries)
            loaded.journalLength = bytes.count
            if let damage = replay.damage {
                loaded.journal = .damaged
                loaded.warnings.append(BuildStateWarning(path: journalPath, reason: damage))
            } else {
                loaded.journal = .clean
            }
        }
        return loaded
    }

    /// The file's bytes; `nil` when nothing is there; a failure when it cannot be read.
    static func readIfPresent(_ path: String, _ fileSystem: any FileSystem) -> Result<[UInt8], FileSystemError>? {
        do {
            guard try fileSystem.linkMetadata(atPath: path) != nil else { return nil }
            return .success(try fileSystem.readFile(atPath: path))
        } catch .notFound {
            return nil
        } catch {
            return .failure(error)
        }
    }
}
