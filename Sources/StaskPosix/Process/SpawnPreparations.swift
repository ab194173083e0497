import CStaskShims
import Glibc
import StaskCore
import Synchronization

/// The C-side inputs of `posix_spawn` that ``ProcessSpawner`` builds once and reuses: a build hands the same
/// environment and working directory to thousands of children, and building `envp` (one `KEY=value` string
/// per variable), the file actions and the attributes for each of them cost more than a tenth of the spawn.
///
/// Each kind is kept in a small most-recently-used list under a `Mutex`. Entries are immutable once built
/// and are classes: a caller holds its entry while `posix_spawn` reads it, so an entry dropped from the
/// list meanwhile stays valid until that spawn is done (`posix_spawn` only reads them).
final class SpawnPreparations: Sendable {
    /// How many environments (with their `PWD`) and file-action sets are kept.
    static let environmentLimit = 8
    static let fileActionsLimit = 16

    /// The attributes, the same for every child (see ``ProcessSpawner``).
    let attributes: PreparedAttributes
    private let environments = Mutex<[PreparedEnvironment]>([])
    private let fileActions = Mutex<[PreparedFileActions]>([])

    init() {
        attributes = PreparedAttributes()
    }

    /// `envp` for `environment`, with `PWD` replaced by `workingDirectoryVariable()` when a working directory
    /// is given (it is computed only when the entry is built).
    ///
    /// When `workingDirectoryVariable()` is `nil` (the directory cannot be examined), `PWD` is the working
    /// directory as given and the entry is not kept, so the value is computed again once the directory
    /// exists. A kept `PWD` is the physical path the directory had then: a symbolic link along it that is
    /// pointed elsewhere during the build is not noticed until the next build.
    func environment(
        _ environment: [String: String], workingDirectory: String?, workingDirectoryVariable: () -> String?
    ) -> PreparedEnvironment {
        let found = environments.withLock { list in
            Self.recent(in: &list) { $0.workingDirectory == workingDirectory && $0.environment == environment }
        }
        if let found { return found }
        var variables = environment
        var isKept = true
        if let workingDirectory {
            let value = workingDirectoryVariable()
            isKept = value != nil
            variables["PWD"] = value ?? workingDirectory
        }
        let entry = PreparedEnvironment(
            environment: environment, workingDirectory: workingDirectory,
            strings: CStringArray(variables.map { "\($0.key)=\($0.value)" }))
        if isKept { environments.withLock { Self.insert(entry, into: &$0, limit: Self.environmentLimit) } }
        return entry
    }

    /// The file actions of a child whose output goes to `outputFD` and which starts in
    /// `workingDirectory` (`nil`: the caller's directory).
    func fileActions(outputFD: Int32, workingDirectory: String?, closesFrom: Bool) -> PreparedFileActions {
        let found = fileActions.withLock { list in
            Self.recent(in: &list) {
                $0.outputFD == outputFD && $0.workingDirectory == workingDirectory && $0.closesFrom == closesFrom
            }
        }
        if let found { return found }
        let entry = PreparedFileActions(
            outputFD: outputFD, workingDirectory: workingDirectory, closesFrom: closesFrom)
        fileActions.withLock { Self.insert(entry, into: &$0, limit: Self.fileActionsLimit) }
        return entry
    }

    /// The first entry of a most-recently-used list that `matches`, moved to the front.
    private static func recent<Entry>(in list: inout [Entry], where matches: (Entry) -> Bool) -> Entry? {
        guard let index = list.firstIndex(where: matches) else { return nil }
        let entry = list.remove(at: index)
        list.insert(entry, at: 0)
        return entry
    }

    /// Puts a new entry at the front of a most-recently-used list, dropping the oldest past `limit`.
    private static func insert<Entry>(_ entry: Entry, into list: inout [Entry], limit: Int) {
        list.insert(entry, at: 0)
        if list.count > limit { list.removeLast() }
    }
}

/// An environment in `envp` form.
// @unchecked Sendable: immutable after init (the C array is only read, by posix_spawn).
final class PreparedEnvironment: @unchecked Sendable {
    let environment: [String: String]
    /// The working directory `PWD` was computed for, or `nil` when the environment is passed as is.
    let workingDirectory: String?
    let strings: CStringArray

    init(environment: [String: String], workingDirectory: String?, strings: consuming CStringArray) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.strings = strings
    }
}

/// The file actions of one child: stdin from `/dev/null`, stdout and stderr on the output pipe's write
/// end (or in the spec's output files), the inherited descriptors at their numbers, every other descriptor
/// closed (`closefrom`), and the working directory.
// @unchecked Sendable: immutable after init (posix_spawn only reads the actions).
final class PreparedFileActions: @unchecked Sendable {
    let outputFD: Int32
    let workingDirectory: String?
    let closesFrom: Bool
    let pointer: UnsafeMutablePointer<posix_spawn_file_actions_t>

    /// - Parameters:
    ///   - inherited: child descriptor → this process's descriptor. This process's must not be among the
    ///     child's numbers (a jobserver's are duplicated above them).
    ///   - outputFiles: files opened as the child's stdout and stderr instead of the output pipe.
    init(
        outputFD: Int32, workingDirectory: String?, closesFrom: Bool, inherited: [Int32: Int32] = [:],
        outputFiles: ProcessSpec.OutputFiles? = nil
    ) {
        self.outputFD = outputFD
        self.workingDirectory = workingDirectory
        self.closesFrom = closesFrom
        pointer = .allocate(capacity: 1)
        posix_spawn_file_actions_init(pointer)
        posix_spawn_file_actions_addopen(pointer, 0, "/dev/null", O_RDONLY, 0)
        if let outputFiles {
            let flags = O_WRONLY | O_CREAT | O_TRUNC
            posix_spawn_file_actions_addopen(pointer, 1, outputFiles.standardOutput, flags, 0o644)
            posix_spawn_file_actions_addopen(pointer, 2, outputFiles.standardError, flags, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(pointer, outputFD, 1)
            posix_spawn_file_actions_adddup2(pointer, outputFD, 2)
        }
        for (child, parent) in inherited.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(pointer, parent, child)  // dup2 clears close-on-exec
        }
        if closesFrom {
            _ = stask_spawn_addclosefrom(pointer, (inherited.keys.max() ?? 2) + 1)
        }
        if let workingDirectory {
            _ = workingDirectory.withCString { stask_spawn_addchdir(pointer, $0) }
        }
    }

    deinit {
        posix_spawn_file_actions_destroy(pointer)
        pointer.deallocate()
    }
}

/// The spawn attributes every child gets: a new process group, an empty signal mask, and default
/// dispositions for ``ProcessSpawner/signalsResetInChild`` and glibc's internal signals.
// @unchecked Sendable: immutable after init (posix_spawn only reads the attributes).
final class PreparedAttributes: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<posix_spawnattr_t>

    init() {
        pointer = .allocate(capacity: 1)
        posix_spawnattr_init(pointer)
        posix_spawnattr_setflags(
            pointer, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(pointer, 0)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(pointer, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in ProcessSpawner.signalsResetInChild { sigaddset(&defaults, signal) }
        #if os(Linux) && canImport(Glibc)
            // glibc's spawn helper sets its internal signals (32 SIGCANCEL, 33 SIGSETXID) to SIG_IGN in the
            // child, and an ignored signal survives exec. sigaddset refuses them, so set their bits directly
            // (bit n - 1 of the first word); the helper then gives them SIG_DFL.
            defaults.__val.0 |= (1 << 31) | (1 << 32)
        #endif
        posix_spawnattr_setsigdefault(pointer, &defaults)
    }

    deinit {
        posix_spawnattr_destroy(pointer)
        pointer.deallocate()
    }
}
