import ArgumentParser
import StaskTestSupport
import Testing

@testable import stask

@Suite struct QuickCommandLineTests {
    /// The command line as `main` hands it to either reader.
    private static func prepared(_ words: [String]) -> [String] {
        Stask.movingLeadingOptions(Stask.expandingAttachedJobs(words))
    }

    /// What ArgumentParser reads: the build's values, or `nil` when it reads another command or fails.
    private static func parsedByArgumentParser(_ words: [String]) -> BuildRequest? {
        (try? Stask.parseAsRoot(words) as? BuildCommand)?.request
    }

    /// Whatever the quick reader accepts, ArgumentParser reads to the same values; and where ArgumentParser
    /// rejects it, the request does not validate, so `main` hands it to ArgumentParser for the message.
    private static func expectAgreement(_ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let arguments = prepared(words)
        guard case .build(let request)? = QuickCommandLine.read(arguments) else { return }
        if let expected = parsedByArgumentParser(arguments) {
            #expect(request == expected, "\(words)", sourceLocation: sourceLocation)
        } else {
            #expect(throws: (any Error).self, "\(words)", sourceLocation: sourceLocation) { try request.validate() }
        }
    }

    @Test(arguments: [
        ([], BuildRequest()),
        (["build"], BuildRequest()),
        (["app", "lib"], BuildRequest(words: ["app", "lib"])),
        (["build", "app", "MODE=release"], BuildRequest(words: ["app", "MODE=release"])),
        (["-j4"], BuildRequest(cpu: 4)),
        (["-j", "2", "-k", "app"], BuildRequest(cpu: 2, keepGoing: true, words: ["app"])),
        (["--cpu=3", "--io", "0"], BuildRequest(cpu: 3, io: 0)),
        (["-C", "dir", "build", "-f", "Other.yml"], BuildRequest(taskfile: "Other.yml", directory: "dir")),

        (["--progress", "json", "--no-wait"], BuildRequest(progress: .json, noWait: true)),
        (["--budget", "mem=1GB", "--budget=gpu=2"], BuildRequest(budget: ["mem=1GB", "gpu=2"])),
        (["--shard", "1/4", "--trace", "t.json"], BuildRequest(shard: "1/4", trace: "t.json")),
        (["--remote-cache", "off"], BuildRequest(remoteCache: "off")),
    ])
    func theCommonBuildLinesAreReadWithoutArgumentParser(words: [String], expected: BuildRequest) {
        #expect(QuickCommandLine.read(Self.prepared(words)) == .build(expected))
        #expect(Self.parsedByArgumentParser(Self.prepared(words)) == expected)
    }

    @Test(arguments: [
        ["--help"], ["-h"], ["help"], ["build", "--help"], ["list"], ["-C", "dir", "graph"], ["clean"],
        ["--watch"], ["--watch-debounce", "1s"], ["--shard-plan", "p.json"], ["--remote-cache-upload", "false"],
        ["--", "app"], ["-kn"], ["-j", "-1"], ["-j", "x"], ["-j", "+2"], ["-f"], ["-f", "-x"], ["-k", "-k"],
        ["-j", "2", "--cpu", "3"], ["--progress", "fancy"], ["--unknown"], ["-x"], ["-"], ["app", ""],
        ["--version", "app"], ["-f", ""],
    ])
    func everythingElseIsLeftToArgumentParser(words: [String]) {
        #expect(QuickCommandLine.read(Self.prepared(words)) == nil)
    }

    @Test func versionIsWhatArgumentParserPrints() throws {
        #expect(QuickCommandLine.read(["--version"]) == .version)
        do {
            _ = try Stask.parseAsRoot(["--version"])
            Issue.record("--version parsed as a command")
        } catch {
            #expect(Stask.message(for: error) == Stask.configuration.version)
        }
    }

    @Test(arguments: [
        ["-j", "0"], ["--shard", "5/2"], ["--budget", "mem"], ["1X=2"], ["--budget", "cpu=-1"],
        ["--remote-cache", "ftp://host"],
    ])
    func invalidValuesFailToValidateSoArgumentParserReportsThem(words: [String]) throws {
        let quick = try #require(QuickCommandLine.read(Self.prepared(words)))
        guard case .build(let request) = quick else {
            Issue.record("\(words) read as \(quick)")
            return
        }
        #expect(throws: (any Error).self) { try request.validate() }
        #expect(Self.parsedByArgumentParser(Self.prepared(words)) == nil)
    }

    /// Thousands of command lines drawn from the words users type, in any order and count: the two readers
    /// never disagree. The draw is seeded, so a failure repeats.
    @Test func bothReadersAgreeOnRandomCommandLines() {
        let vocabulary = [
            "build", "app", "lib", "X=1", "1X=2", "-j", "4", "0", "-3", "-j8", "--cpu", "--cpu=3", "--io", "--io=1",
            "-f", "Other.yml", "-C", "dir", "-k", "--keep-going", "-n", "--dry-run", "--no-wait", "--progress",
            "plain", "--progress=json", "--trace", "t.json", "--budget", "mem=1GB", "--budget=io=2", "--shard",
            "0/2", "--remote-cache", "off", "--", "list", "--help", "--version", "-kn", "-", "", "help", "graph",
            "--watch", "=", "a=b=c", "build=1", "-f=x", "--trace=", "--progress=",
        ]
        var generator = SplitMix64(seed: 0x5EED)
        var accepted = 0
        for _ in 0..<3000 {
            let count = Int.random(in: 0...6, using: &generator)
            let words = (0..<count).map { _ in vocabulary.randomElement(using: &generator)! }
            if QuickCommandLine.read(Self.prepared(words)) != nil { accepted += 1 }
            Self.expectAgreement(words)
        }
        // The draw must exercise the quick reader, not only the fallback.
        #expect(accepted > 300)
    }
}
