import Synchronization
import Testing

@testable import StaskCore

extension UpToDateCheckerTests {
    /// The records a build keeps, by instance id, as `BuildStateStore.record(for:)` hands them to the checker.
    final class RecordTable: Sendable {
        private let records = Mutex<[String: TaskRecord]>([:])

        subscript(id: String) -> TaskRecord? {
            records.withLock { $0[id] }
        }

        func set(_ record: TaskRecord) {
            records.withLock { $0[record.id] = record }
        }

        func remove(_ id: String) {
            _ = records.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// A project at `/p` in memory, its graph, and a checker over the records of the runs made in it.
    struct Workspace {
        static let project = "/p"
        /// Far later than any time of the in-memory clock: no stat-cache entry is racily clean, so a digest
        /// is trusted exactly when the file's metadata is unchanged.
        static let wallClock: Int64 = 1 << 62

        let fileSystem: InMemoryFileSystem
        /// The file system the checker sees: counts the files read for hashing.
        let reads: ReadCountingFileSystem
        let records: RecordTable
        private(set) var graph: BuildGraph
        private(set) var digests: FileDigestCache
        private(set) var checker: UpToDateChecker

        /// - Parameter files: Path relative to the project → contents, besides `Taskfile.yml`.
        init(_ taskfile: String = UpToDateCheckerTests.taskfile, files: [String: String] = UpToDateCheckerTests.files)
            throws
        {
            var all = ["\(Self.project)/Taskfile.yml": taskfile]
            for (path, text) in files { all["\(Self.project)/\(path)"] = text }
            fileSystem = InMemoryFileSystem(files: all)
            reads = ReadCountingFileSystem(base: fileSystem)
            records = RecordTable()
            (graph, digests, checker) = try Self.load(fileSystem, reads, records, entries: [:], overrides: [:])
        }

        /// Parses the Taskfile as it is now into a new graph and checker, with the stat cache's entries
        /// carried over (or not): what the next build starts from. The records stay.
        mutating func reload(overrides: [String: String] = [:], keepingStatCache: Bool = true) throws {
            (graph, digests, checker) = try Self.load(
                fileSystem, reads, records, entries: keepingStatCache ? digests.entries : [:], overrides: overrides)
        }

        private static func load(
            _ fileSystem: InMemoryFileSystem, _ reads: ReadCountingFileSystem, _ records: RecordTable,
            entries: [String: FileDigestCache.Entry], overrides: [String: String]
        ) throws -> (BuildGraph, FileDigestCache, UpToDateChecker) {
            let taskfile = try TaskfileParser(fileSystem: fileSystem, workingDirectory: project)
                .load(variableOverrides: overrides)
            let graph = try GraphBuilder(fileSystem: fileSystem, options: GraphBuilder.Options(cpuCount: 2))
                .build(taskfile)
            let digests = FileDigestCache(entries: entries, fileSystem: reads, now: { wallClock })
            var checker = UpToDateChecker(
                projectDirectory: project, fileSystem: reads, digests: digests, record: { records[$0] })
            checker.variablesByTask = taskfile.referencedVariables
            return (graph, digests, checker)
        }

        func instance(_ id: String) throws -> TaskInstance {
            try #require(graph.instance(withID: id))
        }

        /// The action key of `id` now, every input examined afresh.
        func key(_ id: String) throws -> ContentDigest {
            checker.keyInputs(for: try instance(id)).actionKey
        }

        /// The executor's verdict: the key computed afresh, then the record and the outputs.
        func isUpToDate(_ id: String) throws -> Bool {
            let instance = try instance(id)
            return checker.isUpToDate(instance, actionKey: checker.keyInputs(for: instance).actionKey)
        }

        /// The pre-pass's verdict: key and outputs through `memo`.
        func isUpToDate(_ id: String, memo: inout UpToDateChecker.Memo) throws -> Bool {
            let instance = try instance(id)
            let key = checker.keyInputs(for: instance, memo: &memo).actionKey
            return checker.isUpToDate(instance, actionKey: key, memo: &memo)
        }

        func write(_ path: String, _ text: String) throws {
            try fileSystem.writeFile(atPath: "\(Self.project)/\(path)", contents: Array(text.utf8))
        }

        /// What a run of `id` writes to `output`.
        static func contents(of output: String, madeBy id: String) -> String {
            "\(output), made by \(id)\n"
        }

        /// Runs `id` as `InstanceExecutor` does when it succeeds: key inputs taken before the command, each
        /// output written, then hashed, then the record kept as `BuildStateStore.recordSuccess` keeps it.
        @discardableResult
        func run(_ id: String) throws -> TaskRecord {
            let instance = try instance(id)
            let keyInputs = checker.keyInputs(for: instance)
            var outputDigests: [String: ContentDigest] = [:]
            for output in instance.outputs {
                try write(output, Self.contents(of: output, madeBy: id))
                let digest = try #require(checker.currentDigest(of: output))
                outputDigests[output] = digest
            }
            let record = SuccessfulRun(
                id: id, outputDigests: outputDigests, wallTime: .milliseconds(3), cpuTime: .milliseconds(2),
                keyInputs: keyInputs
            ).record(after: records[id])
            records.set(record)
            return record
        }

        /// Runs every instance, in the graph's (dependency) order.
        func runAll() throws {
            for instance in graph.instances { try run(instance.id) }
        }
    }
}
