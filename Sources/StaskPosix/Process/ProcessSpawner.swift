import CStaskShims
import Glibc
import StaskCore

/// A started child: its pid (also its process group), the read end of its output pipe, its pidfd.
struct SpawnedChild: Sendable {
    let pid: pid_t
    /// Non-blocking, close-on-exec read end of the pipe that is the child's stdout and stderr.
    let outputFD: Int32
    /// A pidfd that becomes readable when the child exits, or -1 (no `pidfd_open`: poll with `WNOHANG`).
    let pidFD: Int32
    /// Whether the program was exec'd directly in place of `/bin/sh -c` (the shell's conventions apply).
    let isDirectExec: Bool
}

/// Spawns children with `posix_spawn`; called on the caller's thread (the spawn is the costly part, so two
/// callers spawn in parallel).
///
/// Every child gets: a new process group (`POSIX_SPAWN_SETPGROUP`, pgid = its pid); stdin from `/dev/null`;
/// stdout and stderr on one pipe (so they interleave as written); no other descriptor (close-on-exec on
/// ours, and `closefrom(3)` for anyone else's); an empty signal mask and default dispositions for the
/// signals stask or its parent may ignore or handle; the spec's environment and working directory.
struct ProcessSpawner: Sendable {
    /// Which kernel and C library features to use; tests turn them off to exercise the fallbacks.
    struct Capabilities: Sendable, Equatable {
        /// `pidfd_open` (Linux 5.3, glibc 2.36) for exit notification; else `WNOHANG` polling.
        var usesPidfd: Bool
        /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29); else `/bin/sh -c 'cd … && exec …'`.
        var usesSpawnChdir: Bool
        /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34).
        var usesClosefrom: Bool

        /// What this system offers.
        static let detected = Capabilities(
            usesPidfd: Self.hasPidfd(), usesSpawnChdir: stask_spawn_has_addchdir() != 0,
            usesClosefrom: stask_spawn_has_addclosefrom() != 0)

        private static func hasPidfd() -> Bool {
            let fd = stask_pidfd_open(getpid(), 0)
            guard fd >= 0 else { return false }
            SystemCalls.closeDescriptor(fd)
            return true
        }
    }

    let capabilities: Capabilities
    /// The environments, file actions and attributes built once for many children.
    let preparations = SpawnPreparations()

    /// Signals whose disposition is reset to the default in the child: an ignored signal (stask ignores
    /// SIGPIPE; a parent may have ignored SIGINT or SIGHUP) would otherwise stay ignored across `exec`.
    static let signalsResetInChild: [Int32] = [
        SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU,
        SIGXFSZ,
    ]

    /// Starts `spec`.
    ///
    /// A direct-exec spec whose program cannot be found or executed is started as `/bin/sh -c shellCommand`
    /// instead, so the user sees the shell's own message and status.
    ///
    /// The program of a direct-exec spec is looked up on `PATH` for every command, as the shell does. When
    /// the spec's `PATH` is stask's own, the child looks it up itself (`posix_spawnp`, which searches the
    /// caller's `PATH`, relative entries from the working directory it has entered): the same search the
    /// shell makes, without a `stat` per entry in stask. A program not found, not executable or not a
    /// binary makes the spawn fail either way, and the shell then runs the command.
    func spawn(_ spec: ProcessSpec) -> Result<SpawnedChild, ProcessError> {
        if spec.isDirectExec, capabilities.usesSpawnChdir, let shellCommand = spec.shellCommand {
            let program = spec.arguments[0]
            let searchPath = spec.environment["PATH"] ?? ""
            let childSearches = !program.contains("/") && searchPath == Self.ownSearchPath
            if let path =
                childSearches
                ? program : Self.resolve(program, searchPath: searchPath, workingDirectory: spec.workingDirectory)
            {
                let environment = preparations.environment(
                    spec.environment, workingDirectory: spec.workingDirectory
                ) {
                    Self.resolvedWorkingDirectoryVariable(
                        inherited: spec.environment["PWD"], workingDirectory: spec.workingDirectory)
                }
                if case .started(let child) = launch(
                    path: path, arguments: spec.arguments, environment: environment,
                    workingDirectory: spec.workingDirectory, isDirectExec: true, searchesPath: childSearches,
                    inherited: spec.inheritedDescriptors)
                {
                    return .success(child)
                }
            }
            return spawnArguments(
                ["/bin/sh", "-c", shellCommand], environment: spec.environment,
                workingDirectory: spec.workingDirectory, inherited: spec.inheritedDescriptors)
        }
        let arguments = spec.isDirectExec ? ["/bin/sh", "-c", spec.shellCommand ?? ""] : spec.arguments
        return spawnArguments(
            arguments, environment: spec.environment, workingDirectory: spec.workingDirectory,
            inherited: spec.inheritedDescriptors, outputFiles: spec.isDirectExec ? nil : spec.outputFiles)
    }

    private func spawnArguments(
        _ arguments: [String], environment: [String: String], workingDirectory: String, inherited: [Int32: Int32],
        outputFiles: ProcessSpec.OutputFiles? = nil
    ) -> Result<SpawnedChild, ProcessError> {
        guard let program = arguments.first, !program.isEmpty else {
            return .failure(.spawnFailed(program: "", errno: ENOENT))
        }
        var path = program
        if !program.contains("/") {
            guard
                let found = Self.resolve(
                    program, searchPath: environment["PATH"] ?? "/bin:/usr/bin", workingDirectory: workingDirectory)
            else { return .failure(Self.diagnose(program: program, errno: ENOENT, workingDirectory: workingDirectory)) }
            path = found
        }
        let prepared = preparations.environment(environment, workingDirectory: nil) { "" }
        switch launch(
            path: path, arguments: arguments, environment: prepared, workingDirectory: workingDirectory,
            isDirectExec: false, inherited: inherited, outputFiles: outputFiles)
        {
        case .started(let child): return .success(child)
        case .failed(let code):
            return .failure(Self.diagnose(program: program, errno: code, workingDirectory: workingDirectory))
        }
    }

    private enum LaunchOutcome {
        case started(SpawnedChild)
        case failed(errno: Int32)
    }

    /// This process's `PATH`, which `posix_spawnp` searches (read once: stask never changes it).
    static let ownSearchPath: String? = getenv("PATH").map { String(cString: $0) }

    /// One `posix_spawn`, or `posix_spawnp` with `searchesPath`; returns its `errno` on failure.
    private func launch(
        path: String, arguments: [String], environment: PreparedEnvironment, workingDirectory: String,
        isDirectExec: Bool, searchesPath: Bool = false, inherited: [Int32: Int32] = [:],
        outputFiles: ProcessSpec.OutputFiles? = nil
    ) -> LaunchOutcome {
        var path = path
        var arguments = arguments
        if !capabilities.usesSpawnChdir {
            var status = stat()
            guard stat(workingDirectory, &status) == 0 else { return .failed(errno: errno) }
            arguments =
                ["/bin/sh", "-c", "cd -- \"$1\" && shift && exec \"$@\"", "sh", workingDirectory, path]
                + arguments.dropFirst()
            path = "/bin/sh"
        }
        guard let pipe = SystemCalls.makeOutputPipe() else { return .failed(errno: errno) }
        let directory = capabilities.usesSpawnChdir ? workingDirectory : nil
        // Inherited descriptors and output files make actions of their own (a jobserver's pipe is one task's):
        // not kept. With output files the child never gets the pipe, which then reads as empty.
        let actions =
            inherited.isEmpty && outputFiles == nil
            ? preparations.fileActions(
                outputFD: pipe.write, workingDirectory: directory, closesFrom: capabilities.usesClosefrom)
            : PreparedFileActions(
                outputFD: pipe.write, workingDirectory: directory, closesFrom: capabilities.usesClosefrom,
                inherited: inherited, outputFiles: outputFiles)
        let argv = CStringArray(arguments)
        var pid: pid_t = 0
        let status =
            searchesPath
            ? posix_spawnp(
                &pid, path, actions.pointer, preparations.attributes.pointer, argv.pointers,
                environment.strings.pointers)
            : posix_spawn(
                &pid, path, actions.pointer, preparations.attributes.pointer, argv.pointers,
                environment.strings.pointers)
        SystemCalls.closeDescriptor(pipe.write)
        guard status == 0 else {
            SystemCalls.closeDescriptor(pipe.read)
            return .failed(errno: status)
        }
        var pidFD: Int32 = -1
        if capabilities.usesPidfd {
            pidFD = stask_pidfd_open(pid, 0)  // always close-on-exec
        }
        return .started(SpawnedChild(pid: pid, outputFD: pipe.read, pidFD: pidFD, isDirectExec: isDirectExec))
    }

    /// The file `name` names on the colon-separated `searchPath`, as dash finds it: the first entry holding
    /// an executable regular file (an empty entry is the working directory, as are relative entries' bases).
    ///
    /// Looked up afresh for every command, as the shell does (a step may create a program on `PATH` for
    /// the next); each candidate is built in one reused C buffer, so a miss costs its `stat` and nothing
    /// else.
    static func resolve(_ name: String, searchPath: String, workingDirectory: String) -> String? {
        if name.contains("/") { return name }
        var candidate: [CChar] = []
        candidate.reserveCapacity(256)
        func append(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { candidate.append(CChar(bitPattern: byte)) }
        }
        let path = Array(searchPath.utf8)
        var start = 0
        while start <= path.count {
            let end = path[start...].firstIndex(of: UInt8(ascii: ":")) ?? path.count
            let entry = path[start..<end]
            candidate.removeAll(keepingCapacity: true)
            if entry.first != UInt8(ascii: "/") {  // relative, or empty (the working directory)
                append(workingDirectory.utf8)
                append(CollectionOfOne(UInt8(ascii: "/")))
            }
            append(entry.isEmpty ? ArraySlice(".".utf8) : entry)
            append(CollectionOfOne(UInt8(ascii: "/")))
            append(name.utf8)
            candidate.append(0)
            let isExecutableFile = candidate.withUnsafeBufferPointer { buffer -> Bool in
                var status = stat()
                return stat(buffer.baseAddress!, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
                    && access(buffer.baseAddress!, X_OK) == 0
            }
            if isExecutableFile { return candidate.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } }
            start = end + 1
        }
        return nil
    }

    /// The `PWD` dash exports: the inherited one when it is absolute and names the working directory,
    /// else the physical path of the working directory; `nil` when the working directory cannot be
    /// examined (missing, not searchable): the spawn then fails anyway, and nothing is remembered.
    static func resolvedWorkingDirectoryVariable(inherited: String?, workingDirectory: String) -> String? {
        var directory = stat()
        guard stat(workingDirectory, &directory) == 0 else { return nil }
        if let inherited, inherited.hasPrefix("/") {
            var candidate = stat()
            if stat(inherited, &candidate) == 0, candidate.st_dev == directory.st_dev,
                candidate.st_ino == directory.st_ino
            {
                return inherited
            }
        }
        guard let resolved = realpath(workingDirectory, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The error for a failed spawn: the working directory's fault when it cannot be entered.
    static func diagnose(program: String, errno code: Int32, workingDirectory: String) -> ProcessError {
        if code == ENOENT || code == ENOTDIR || code == EACCES {
            var status = stat()
            if stat(workingDirectory, &status) != 0 {
                return .invalidWorkingDirectory(path: workingDirectory, errno: errno)
            }
            if status.st_mode & S_IFMT != S_IFDIR {
                return .invalidWorkingDirectory(path: workingDirectory, errno: ENOTDIR)
            }
            if access(workingDirectory, X_OK) != 0 {
                return .invalidWorkingDirectory(path: workingDirectory, errno: errno)
            }
        }
        return .spawnFailed(program: program, errno: code)
    }
}
