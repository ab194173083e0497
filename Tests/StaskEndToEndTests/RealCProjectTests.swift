import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEndTests {
    /// `depfile:` on real C code: Brotli's C library and command-line tool, 36 files from its source
    /// distribution on PyPI, compiled one by one by stask (`foreach` over `c/*/*.c`, gcc `-MMD -MF`, no header
    /// declared) and by make (`-MMD -MP`, `-include` of the depfiles), side by side in one tree
    /// (`Fixtures/real-c-project/`). After every change both build again, and stask must recompile exactly
    /// the files make recompiles.
    @Suite struct RealCProjectTests {
        @Test func editingAHeaderRecompilesWhatMakeDoesAndTouchingOneRecompilesNothing() async throws {
            let project = try await BrotliProject.built()
            // A header included directly, through another header (shared_dictionary.c) and from other
            // directories as `../common/transform.h`; static_dict_lut.c names it only under an `#if` that
            // is false, so gcc leaves it out and so must stask. Then one included by its neighbours only,
            // and one included (three times) by another header only.
            let edits: [(header: String, dependents: [String])] = [
                (
                    "c/common/transform.h",
                    [
                        "c/common/shared_dictionary.c", "c/common/transform.c", "c/dec/decode.c",
                        "c/enc/encoder_dict.c", "c/enc/static_dict.c",
                    ]
                ),
                ("c/dec/huffman.h", ["c/dec/decode.c", "c/dec/huffman.c", "c/dec/state.c"]),
                (
                    "c/enc/histogram_inc.h",
                    [
                        "c/enc/bit_cost.c", "c/enc/block_splitter.c", "c/enc/brotli_bit_stream.c", "c/enc/cluster.c",
                        "c/enc/compress_fragment.c", "c/enc/compress_fragment_two_pass.c", "c/enc/encode.c",
                        "c/enc/histogram.c", "c/enc/metablock.c",
                    ]
                ),
            ]
            for edit in edits {
                let listing = try project.sourcesWhoseDepfileLists(edit.header)
                #expect(listing == edit.dependents, "the depfiles stask had gcc write that list \(edit.header)")
                try project.edit(edit.header) { $0 + "/* edited by the test */\n" }
                try await project.expectRecompiled(edit.dependents, after: "editing \(edit.header)")
            }

            // A touch: make goes by modification times and recompiles the dependents, stask by content.
            let touched = ["c/common/transform.h", "c/dec/huffman.h"]
            try project.touch(touched)
            let byStask = try await project.buildWithStask()
            #expect(byStask == [], "touching \(touched) changes no content, so nothing runs")
            let byMake = try await project.buildWithMake().filter { $0 != "archive" }
            #expect(byMake == Set(edits[0].dependents + edits[1].dependents).sorted(), "make sees the touch")

            try await project.expectRecompiled([], after: "nothing changed")
        }

        @Test func aNewlyIncludedHeaderIsTrackedAndADeletedOneBreaksNothing() async throws {
            let project = try await BrotliProject.built()
            let huffman = try project.read("c/dec/huffman.c")

            // Not in huffman.c's depfile before this build: it is discovered by the build that includes it.
            try project.create("c/dec/stask_probe.h", "#define BROTLI_STASK_PROBE 1\n")
            try project.edit("c/dec/huffman.c") { "#include \"stask_probe.h\"\n" + $0 }
            try await project.expectRecompiled(["c/dec/huffman.c"], after: "including a new header in huffman.c")
            try project.edit("c/dec/stask_probe.h") { _ in "#define BROTLI_STASK_PROBE 2\n" }
            try await project.expectRecompiled(["c/dec/huffman.c"], after: "editing the newly included header")

            // The header is gone and so is its #include: huffman.c's recorded depfile still lists it.
            try project.remove("c/dec/stask_probe.h")
            try project.edit("c/dec/huffman.c") { _ in huffman }
            try await project.expectRecompiled(
                ["c/dec/huffman.c"], after: "deleting the new header and the line including it")

            // Only the header goes: encode.c is unchanged and compiles without it, yet it must be recompiled
            // because a file it was built from has vanished (make: through -MP's empty rule for the header).
            let guarded = "#if __has_include(\"stask_optional.h\")\n#include \"stask_optional.h\"\n#endif\n"
            try project.create("c/enc/stask_optional.h", "#define BROTLI_STASK_OPTIONAL 1\n")
            try project.edit("c/enc/encode.c") { guarded + $0 }
            try await project.expectRecompiled(["c/enc/encode.c"], after: "including a header if it exists")
            try project.remove("c/enc/stask_optional.h")
            try await project.expectRecompiled(
                ["c/enc/encode.c"], after: "deleting only a header that encode.c includes if it exists")

            try await project.expectRecompiled([], after: "nothing changed")
        }
    }
}

/// `Fixtures/real-c-project/` with Brotli's `c/` folder extracted into it, built once by stask and by make.
///
/// make decides by modification times, and they advance only every 4 ms here: a file edited right after
/// a build can carry the very time of an object built from it, and make would miss the edit. Instead of
/// waiting, the test keeps make's clock itself, in whole hours after 2001-01-01 (all in the past): the
/// sources start at hour 0; after every make run everything under `make-build/` is set to the next hour;
/// an edited or touched file is set half an hour past the current one, so it is newer than every object
/// and older than the objects built from it. stask goes by content and is not helped by any of this.
private final class BrotliProject {
    let fixture: FixtureProject
    /// The current hour of make's clock.
    private var hour = 0

    private static let epoch = Date(timeIntervalSince1970: 978_307_200)  // 2001-01-01T00:00:00Z

    private init(fixture: FixtureProject) {
        self.fixture = fixture
    }

    /// A fresh copy of the fixture with Brotli's sources, fully built by stask and by make.
    static func built() async throws -> BrotliProject {
        let archive = try await BrotliSource.sdist.archive(timeout: .seconds(45))
        let project = BrotliProject(fixture: try FixtureProject("real-c-project"))
        let root = project.fixture.root
        let extracted = try await runTool(
            ["tar", "-xzf", archive.path, "-C", root.path, "--strip-components=1", "\(BrotliSource.topDirectory)/c"],
            in: root)
        try #require(extracted.status == 0, "extracting \(archive.path): \(extracted)")
        try project.setModificationTimes(under: "c", hours: 0)

        let sources = try project.sources()
        try #require(sources.count >= 20, "a real project has 20 C files or more: \(sources)")
        let byStask = try await project.buildWithStask()
        try #require(byStask == (sources + ["archive"]).sorted(), "the first stask build compiles every file")
        #expect(project.fixture.exists("build/libbrotli.a"))
        let byMake = try await project.buildWithMake()
        try #require(byMake == (sources + ["archive"]).sorted(), "the first make build compiles every file")
        try await project.expectRecompiled([], after: "building again")
        return project
    }

    // MARK: - Building

    /// Builds with stask and with make, and expects both to recompile exactly `expected` (sorted paths).
    func expectRecompiled(
        _ expected: [String], after change: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        let byStask = try await buildWithStask(sourceLocation: sourceLocation)
        let byMake = try await buildWithMake(sourceLocation: sourceLocation)
        let compiledByStask = byStask.filter { $0 != "archive" }
        let compiledByMake = byMake.filter { $0 != "archive" }
        #expect(
            compiledByStask == compiledByMake,
            "after \(change), stask and make recompile the same files", sourceLocation: sourceLocation)
        #expect(compiledByMake == expected, "after \(change), make recompiles", sourceLocation: sourceLocation)
        if expected.isEmpty {
            #expect(byStask == [], "after \(change), stask runs nothing", sourceLocation: sourceLocation)
            #expect(byMake == [], "after \(change), make runs nothing", sourceLocation: sourceLocation)
        }
    }

    /// Runs `stask build` and returns what ran, sorted: the compiled sources and `archive`.
    func buildWithStask(sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> [String] {
        try fixture.clearLog()
        let result = try await fixture.build()
        try #require(result.status == 0, "stask build: \(result)", sourceLocation: sourceLocation)
        return fixture.ran
    }

    /// Runs make and returns what ran, sorted (from `make-log.txt`); then moves make's clock on.
    func buildWithMake(sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> [String] {
        if fixture.exists("make-log.txt") { try fixture.remove("make-log.txt") }
        let result = try await runTool(["make", "-j2"], in: fixture.root)
        try #require(result.status == 0, "make: \(result)", sourceLocation: sourceLocation)
        hour += 1
        if fixture.exists("make-build") { try setModificationTimes(under: "make-build", hours: hour) }
        return (fixture.read("make-log.txt") ?? "").split(separator: "\n").map(String.init).sorted()
    }

    // MARK: - Files

    /// The C files the Taskfile's `foreach: "c/*/*.c"` matches, sorted.
    func sources() throws -> [String] {
        let fileManager = FileManager.default
        let directories = try fileManager.contentsOfDirectory(atPath: fixture.url("c").path)
        return try directories.flatMap { directory -> [String] in
            var isDirectory: ObjCBool = false
            let path = fixture.url("c/\(directory)").path
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                return []
            }
            return try fileManager.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".c") }
                .map { "c/\(directory)/\($0)" }
        }.sorted()
    }

    /// The sources whose depfile from stask's last run of them (`build/c/DIR/STEM.d`, written by gcc) lists
    /// `header`, sorted; gcc writes paths as included (`c/dec/../common/transform.h`).
    func sourcesWhoseDepfileLists(_ header: String) throws -> [String] {
        try sources().filter { source in
            let text = try read("build/\(source.dropLast(2)).d").replacingOccurrences(of: "\\\n", with: " ")
            let prerequisites = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).dropFirst()
            return prerequisites.contains { Self.normalized($0) == header }
        }
    }

    /// `path` without `.` components and with each `DIR/..` pair resolved (`c/dec/../common/x.h` is
    /// `c/common/x.h`); Brotli's folders are real folders, not symbolic links, so this is the file gcc read.
    private static func normalized(_ path: Substring) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == "..", let last = components.last, last != ".." {
                components.removeLast()
            } else {
                components.append(component)
            }
        }
        return components.joined(separator: "/")
    }

    func read(_ path: String) throws -> String {
        guard let text = fixture.read(path) else { throw HarnessError("cannot read \(fixture.url(path).path)") }
        return text
    }

    /// Rewrites `path` with `change` applied to its contents; for make, it is now newer than every object.
    func edit(_ path: String, _ change: (String) -> String) throws {
        try fixture.write(path, change(try read(path)))
        try setModificationTime(path)
    }

    /// Creates `path`, newer than every object for make.
    func create(_ path: String, _ contents: String) throws {
        try fixture.write(path, contents)
        try setModificationTime(path)
    }

    func remove(_ path: String) throws { try fixture.remove(path) }

    /// Changes the modification times of `paths` and nothing else: newer than every object for make.
    func touch(_ paths: [String]) throws {
        for path in paths { try setModificationTime(path) }
    }

    private func setModificationTime(_ path: String) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Self.epoch.addingTimeInterval(Double(hour) * 3600 + 1800)],
            ofItemAtPath: fixture.url(path).path)
    }

    /// Sets every file under `directory` to `hours` after the epoch.
    private func setModificationTimes(under directory: String, hours: Int) throws {
        let date = Self.epoch.addingTimeInterval(Double(hours) * 3600)
        let fileManager = FileManager.default
        let enumerator = fileManager.enumerator(at: fixture.url(directory), includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            try fileManager.setAttributes([.modificationDate: date], ofItemAtPath: url.path)
        }
    }
}

/// Brotli's source distribution on PyPI (see `PyPISdist`).
///
/// Brotli because it is plain C that gcc compiles without Python's headers, in three folders that share
/// internal headers (`common/`, `dec/`, `enc/`, plus `tools/`), 36 files, two of them named
/// `static_init.c`, and it compiles at -O0 in a few seconds on two cores.
enum BrotliSource {
    static let sdist = PyPISdist(
        requirement: "brotli==1.2.0", fileName: "brotli-1.2.0.tar.gz",
        sha256: "e310f77e41941c13340a95976fe66a8a95b01e783d430eeaf7a2f87e0a57dd0a")
    static let topDirectory = "brotli-1.2.0"
}
