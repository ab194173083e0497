import StaskCore
import Synchronization

/// A ``RemoteCache`` that keeps entries in memory and reads and writes outputs through an
/// ``InMemoryFileSystem``: for engine tests. Entries are keyed by action key alone, so two project
/// directories in one file system share them as two checkouts share a server.
final class InMemoryRemoteCache: RemoteCache {
    private struct State {
        var entries: [ContentDigest: [String: [UInt8]]] = [:]
        var restored: [String] = []
        var stored: [String] = []
        var statistics = RemoteCacheStatistics()
    }

    private let fileSystem: InMemoryFileSystem
    private let state = Mutex(State())

    init(fileSystem: InMemoryFileSystem) {
        self.fileSystem = fileSystem
    }

    /// Task ids looked up, in order (hits and misses).
    var lookups: [String] { state.withLock { $0.restored } }
    /// Task ids stored, in order.
    var stores: [String] { state.withLock { $0.stored } }

    var statistics: RemoteCacheStatistics { state.withLock { $0.statistics } }

    func restore(_ action: RemoteCacheAction) async -> RestoredOutputs? {
        let entry = state.withLock { state in
            state.restored.append(action.taskID)
            return state.entries[action.actionKey]
        }
        guard let entry else {
            state.withLock { $0.statistics.misses += 1 }
            return nil
        }
        var digests: [String: ContentDigest] = [:]
        for (path, bytes) in entry {
            try? fileSystem.writeFile(atPath: action.projectDirectory + "/" + path, contents: bytes)
            digests[path] = ContentHasher.digest(of: bytes)
        }
        state.withLock {
            $0.statistics.hits += 1
            $0.statistics.bytesDownloaded += entry.values.reduce(0) { $0 + $1.count }
        }
        return RestoredOutputs(outputDigests: digests, wallTime: .seconds(3), byteCount: 0)
    }

    func store(_ action: RemoteCacheAction, wallTime: Duration) async {
        var entry: [String: [UInt8]] = [:]
        for path in action.outputs {
            guard let bytes = try? fileSystem.readFile(atPath: action.projectDirectory + "/" + path) else { return }
            entry[path] = bytes
        }
        state.withLock { state in
            state.entries[action.actionKey] = entry
            state.stored.append(action.taskID)
            state.statistics.uploads += 1
            state.statistics.bytesUploaded += entry.values.reduce(0) { $0 + $1.count }
        }
    }
}

/// Records the configurations an engine asked to create caches for, handing out one shared cache.
final class RemoteCacheFactory: Sendable {
    let cache: InMemoryRemoteCache
    private let made = Mutex<[RemoteCacheConfiguration]>([])

    init(fileSystem: InMemoryFileSystem) {
        cache = InMemoryRemoteCache(fileSystem: fileSystem)
    }

    var configurations: [RemoteCacheConfiguration] { made.withLock { $0 } }

    var maker: BuildEngine.RemoteCacheMaker {
        { configuration, _ in
            self.made.withLock { $0.append(configuration) }
            return self.cache
        }
    }
}
