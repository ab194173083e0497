import Foundation
import Testing

@testable import StaskCore

/// A seeded mutation fuzzer over ``TaskfileCorpus``: every mutated Taskfile goes through
/// ``TaskfileParser`` and ``GraphBuilder`` and must either give a sound ``BuildGraph`` or throw a
/// ``TaskfileError`` located in the file; no case may crash or take more than a second of CPU time.
///
/// Environment:
/// - `STASK_FUZZ_SEED`: the seed (decimal or `0x` hex; `random` for a fresh one). Default: fixed, so the
///   suite is deterministic; the seed is printed when the suite starts and in every failure.
/// - `STASK_FUZZ_CASES`: the number of cases over all shards (default ``defaultCases``; a release
///   build runs about 4 times as many in the same time).
/// - `STASK_FUZZ_CASE`: run this one case only (with the seed of the failure), to replay it.
/// - `STASK_FUZZ_VERBOSE=1`: print every case before running it, to find the case that crashed.
@Suite struct TaskfileFuzzTests {
    /// Cases per run by default: about 16 s of a debug build on the 2-core development machine when it
    /// is otherwise idle (about 950 cases per CPU second in debug; CI can ask for 100,000).
    static let defaultCases = 30_000
    static let defaultSeed: UInt64 = 0x5EED_7A5C_F11E
    static let shardCount = 4
    /// The CPU time one case may take (a second of a debug build; cases take about a millisecond).
    static let caseLimit = Duration.seconds(1)
    /// The wall time one case may take, for cases that block instead of spinning.
    static let caseWallLimit = Duration.seconds(30)
    /// The nice value of the shards' threads.
    static let niceness: Int32 = 5

    struct Configuration: Sendable {
        var seed: UInt64
        var cases: Int
        var onlyCase: Int?
        var isVerbose: Bool

        static let current: Configuration = {
            let environment = ProcessInfo.processInfo.environment
            var seed = defaultSeed
            if let text = environment["STASK_FUZZ_SEED"] {
                if text == "random" {
                    seed = UInt64.random(in: .min ... .max)
                } else if text.hasPrefix("0x"), let value = UInt64(text.dropFirst(2), radix: 16) {
                    seed = value
                } else if let value = UInt64(text) {
                    seed = value
                }
            }
            return Configuration(
                seed: seed, cases: environment["STASK_FUZZ_CASES"].flatMap { Int($0) } ?? defaultCases,
                onlyCase: environment["STASK_FUZZ_CASE"].flatMap { Int($0) },
                isVerbose: environment["STASK_FUZZ_VERBOSE"] == "1")
        }()

        var seedText: String { "0x" + String(seed, radix: 16) }

        /// The cases of `shard`.
        func range(shard: Int) -> Range<Int> {
            if let onlyCase { return shard == 0 ? onlyCase..<onlyCase + 1 : 0..<0 }
            return cases * shard / shardCount..<cases * (shard + 1) / shardCount
        }
    }

    /// One generated case.
    struct Case {
        let index: Int
        let bytes: [UInt8]
        let mutations: [TaskfileMutator.Kind]
        let overrides: [String: String]
    }

    /// What a shard saw.
    struct Tally: Sendable {
        var cases = 0
        var loaded = 0
        var errors: [String: Int] = [:]
        var wall = Duration.zero
        /// CPU time of the shard's thread: generating and checking cases.
        var cpu = Duration.zero
        /// CPU time in the parser and the graph builder.
        var checking = Duration.zero
        var failure: String?
        /// The case that took the most CPU time, and that time.
        var slowest: (index: Int, cpu: Duration) = (-1, .zero)
    }

    static let mutator = TaskfileMutator(donors: TaskfileCorpus.taskfiles)

    static func makeCase(_ index: Int, seed: UInt64) -> Case {
        var random = TaskfileMutator.Random(seed: seed, case: index)
        var bytes = Array(random.pick(TaskfileCorpus.taskfiles).utf8)
        var mutations: [TaskfileMutator.Kind] = []
        for _ in 0..<random.pick([1, 1, 1, 2, 2, 3, 4, 6]) {
            mutations.append(mutator.mutate(&bytes, using: &random))
        }
        let overrides = random.below(8) == 0 ? ["CC": "clang", "NEW": "{{x}} $(y)"] : [:]
        return Case(index: index, bytes: bytes, mutations: mutations, overrides: overrides)
    }

    // MARK: - Tests

    @Test(arguments: TaskfileCorpus.taskfiles.indices)
    func corpusTaskfileBuildsAGraph(index: Int) throws {
        let fileSystem = TaskfileCorpus.fileSystem()
        let parser = TaskfileParser(fileSystem: fileSystem, workingDirectory: TaskfileCorpus.project)
        let taskfile = try parser.parse(
            contents: Array(TaskfileCorpus.taskfiles[index].utf8), path: TaskfileCorpus.taskfilePath)
        let graph = try GraphBuilder(fileSystem: fileSystem, options: .init(cpuCount: 8)).build(taskfile)
        #expect(graph.instances.count >= 3)
        #expect(Self.problem(with: graph) == nil)
    }

    @Test func mutationsReplayFromTheSeed() {
        for index in [0, 1, 977] {
            #expect(Self.makeCase(index, seed: 42).bytes == Self.makeCase(index, seed: 42).bytes)
        }
        #expect(Self.makeCase(5, seed: 42).bytes != Self.makeCase(5, seed: 43).bytes)
    }

    @Test(.timeLimit(.minutes(5)), arguments: 0..<shardCount)
    func mutatedTaskfilesLoadOrFailWithALocatedError(shard: Int) async {
        let configuration = Configuration.current
        let range = configuration.range(shard: shard)
        if shard == 0 {
            print(
                "TaskfileFuzz: seed \(configuration.seedText), \(configuration.cases) cases in \(Self.shardCount) "
                    + "shards (replay: STASK_FUZZ_SEED=\(configuration.seedText); after a crash add "
                    + "STASK_FUZZ_VERBOSE=1 to see the last case)")
        }
        let watchdog = CaseWatchdog(cpuLimit: Self.caseLimit, wallLimit: Self.caseWallLimit)
        // At a lower priority: 30,000 cases are tens of seconds of CPU, which would otherwise be taken from the
        // tests that run beside them under a time limit (the cases' own limit is CPU time, not wall time).
        let outcome = await watchdog.run(niceness: Self.niceness) { watchdog in
            Self.runCases(range, configuration, watchdog)
        }
        switch outcome {
        case .overran(let index, let elapsed):
            let replay = Self.makeCase(index, seed: configuration.seed)
            let message = "case \(index) still running after \(elapsed) (limit \(Self.caseLimit) CPU)\n"
            Issue.record(Comment(rawValue: message + Self.report(replay, configuration)))
        case .finished(let tally):
            if let failure = tally.failure { Issue.record(Comment(rawValue: failure)) }
            let common = tally.errors.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }
            print(
                "TaskfileFuzz shard \(shard): \(tally.cases) cases in \(Self.seconds(tally.wall)) s, "
                    + "\(Self.seconds(tally.cpu)) s CPU (\(Int(Double(tally.cases) / max(Self.seconds(tally.cpu), 1e-9))) "
                    + "cases per CPU second, \(Int(100 * Self.seconds(tally.checking) / max(Self.seconds(tally.cpu), 1e-9)))% "
                    + "in parser and builder); slowest: case \(tally.slowest.index) (\(tally.slowest.cpu)); "
                    + "\(tally.loaded) loaded; errors: \(common.joined(separator: ", "))")
        }
    }

    // MARK: - Running cases

    static func runCases(_ range: Range<Int>, _ configuration: Configuration, _ watchdog: CaseWatchdog) -> Tally {
        let fileSystem = TaskfileCorpus.fileSystem()
        let parser = TaskfileParser(fileSystem: fileSystem, workingDirectory: TaskfileCorpus.project)
        let builder = GraphBuilder(fileSystem: fileSystem, options: .init(cpuCount: 8))
        var tally = Tally()
        let start = ContinuousClock.now
        let cpuStart = CaseWatchdog.threadCPUTime()
        for index in range {
            let fuzzCase = makeCase(index, seed: configuration.seed)
            if configuration.isVerbose { print(report(fuzzCase, configuration)) }
            watchdog.begin(index)
            let caseStart = CaseWatchdog.threadCPUTime()
            let verdict = check(fuzzCase, parser: parser, builder: builder)
            let elapsed = CaseWatchdog.threadCPUTime() - caseStart
            watchdog.end()
            tally.cases += 1
            if elapsed > tally.slowest.cpu { tally.slowest = (index, elapsed) }
            tally.checking += elapsed
            switch verdict {
            case .loaded: tally.loaded += 1
            case .refused(let kind): tally.errors[kind, default: 0] += 1
            case .failed(let problem):
                tally.failure = problem + "\n" + report(fuzzCase, configuration)
            }
            if elapsed > caseLimit {
                tally.failure = "case took \(elapsed) of CPU (limit \(caseLimit))\n" + report(fuzzCase, configuration)
            }
            if configuration.isVerbose || configuration.onlyCase != nil {
                print("case \(index): \(verdict) in \(elapsed)")
            }
            if tally.failure != nil { break }
        }
        tally.wall = ContinuousClock.now - start
        tally.cpu = CaseWatchdog.threadCPUTime() - cpuStart
        return tally
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    enum Verdict {
        case loaded
        case refused(String)
        case failed(String)
    }

    static func check(_ fuzzCase: Case, parser: TaskfileParser, builder: GraphBuilder) -> Verdict {
        do {
            let taskfile = try parser.parse(
                contents: fuzzCase.bytes, path: TaskfileCorpus.taskfilePath, variableOverrides: fuzzCase.overrides)
            let graph = try builder.build(taskfile)
            if let problem = problem(with: graph) { return .failed(problem) }
            _ = try graph.select(targets: [])
            return .loaded
        } catch let error as TaskfileError {
            if let problem = problem(with: error, in: fuzzCase.bytes) { return .failed(problem) }
            return .refused(Mirror(reflecting: error).children.first?.label ?? "\(error)")
        } catch {
            return .failed("threw \(type(of: error)), not a TaskfileError: \(error)")
        }
    }

    /// What is wrong with the location of `error`, if anything: it must exist, lie in the file and start
    /// the message.
    static func problem(with error: TaskfileError, in bytes: [UInt8]) -> String? {
        guard let location = error.location else { return "error without a location: \(error)" }
        guard error.description.hasPrefix("\(location): ") else { return "message does not start with \(location)" }
        guard location.file == "Taskfile.yml" else { return "location names \(location.file): \(error)" }
        let lines = lineWidths(bytes)
        guard location.line >= 1, location.line <= lines.count else {
            return "line \(location.line) outside the file's \(lines.count) lines: \(error)"
        }
        let width = lines[location.line - 1]
        guard location.column >= 1, location.column <= width + 1 else {
            return "column \(location.column) outside line \(location.line) of \(width) characters: \(error)"
        }
        return nil
    }

    /// The width in scalars of each line, lines ending as libyaml ends them (LF, CR LF, CR, NEL, LS, PS).
    static func lineWidths(_ bytes: [UInt8]) -> [Int] {
        var widths = [0]
        var previous: UInt32 = 0
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar.value {
            case 0x0A where previous == 0x0D: break
            case 0x0A, 0x0D, 0x85, 0x2028, 0x2029: widths.append(0)
            default: widths[widths.count - 1] += 1
            }
            previous = scalar.value
        }
        return widths
    }

    /// What is wrong with a graph, if anything: outputs outside the project or in `.stask`, an
    /// instance before one of its dependencies.
    static func problem(with graph: BuildGraph) -> String? {
        for (index, instance) in graph.instances.enumerated() {
            for output in instance.outputs
            where !ProjectPath.isInside(output) || ProjectPath.isInStateDirectory(output) || output == "." {
                return "instance '\(instance.id)' declares output '\(output)'"
            }
            if let dependency = graph.dependencies(of: index).first(where: { $0 >= index }) {
                return "instance '\(instance.id)' comes before its dependency \(dependency)"
            }
        }
        return nil
    }

    /// The case, for failure messages: seed, index, mutations and the text (escaped, truncated).
    static func report(_ fuzzCase: Case, _ configuration: Configuration) -> String {
        var text = String(decoding: fuzzCase.bytes.prefix(3_000), as: UTF8.self).debugDescription
        if fuzzCase.bytes.count > 3_000 { text += " … (\(fuzzCase.bytes.count) bytes)" }
        return """
            replay: STASK_FUZZ_SEED=\(configuration.seedText) STASK_FUZZ_CASE=\(fuzzCase.index) \
            swift test --filter TaskfileFuzzTests
            mutations: \(fuzzCase.mutations.map(\.rawValue).joined(separator: ", ")); overrides: \(fuzzCase.overrides)
            input: \(text)
            """
    }
}
