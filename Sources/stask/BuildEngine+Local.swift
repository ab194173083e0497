import Foundation
import StaskCore
import StaskPosix
import StaskRemote

extension BuildEngine {
    /// The engine over this machine: the local file system, the posix_spawn launcher, the `flock` build lock,
    /// the remote cache clients (HTTP in this process, gRPC in the `stask-remote` helper), the remote executor
    /// (in that helper too), glibc's `malloc_trim`
    /// before the state's compaction, and the memory available now as the default `mem` budget.
    static func local() -> BuildEngine {
        var engine = BuildEngine(
            fileSystem: LocalFileSystem(), launcher: PosixProcessLauncher(),
            acquireLock: { directory, wait, onWait in
                let lock = try await BuildLock.acquire(directory: directory, wait: wait, onWait: onWait)
                return { lock.release() }
            },
            makeRemoteCache: { configuration, warn in
                RemoteCacheClients.make(
                    configuration, environment: ProcessInfo.processInfo.environment, warn: warn)
            },
            returnFreedMemory: FreedMemory.returnToSystem)
        engine.makeRemoteExecutor = { configuration, warn in
            let environment = ProcessInfo.processInfo.environment
            return HelperRemoteExecutor(
                configuration: configuration, helperPath: HelperLocation.path(environment: environment),
                environment: environment, warn: warn)
        }
        engine.availableMemory = { SystemMemory.available() }
        engine.readEnvironment = ProcessEnvironment.current
        engine.jobserverHost = PipeJobserverHost()
        return engine
    }
}
