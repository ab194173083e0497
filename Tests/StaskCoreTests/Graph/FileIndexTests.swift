import Synchronization
import Testing

@testable import StaskCore

/// An in-memory file system with symbolic links, to test that globs end on link loops.
private final class LinkingFileSystem: FileSystem {
    let base: InMemoryFileSystem
    /// Link path → target, both absolute.
    let links: [String: String]

    init(base: InMemoryFileSystem, links: [String: String]) {
        self.base = base
        self.links = links
    }

    private func resolve(_ path: String, followLast: Bool) -> String? {
        var components = path.split(separator: "/").map(String.init)
        var current = ""
        var hops = 0
        var index = 0
        while index < components.count {
            let candidate = current + "/" + components[index]
            if let target = links[candidate], index < components.count - 1 || followLast {
                hops += 1
                if hops > 40 { return nil }
                components = target.split(separator: "/").map(String.init) + components[(index + 1)...]
                current = ""
                index = 0
                continue
            }
            current = candidate
            index += 1
        }
        return current.isEmpty ? "/" : current
    }

    func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        guard let resolved = resolve(path, followLast: true) else { return nil }
        return try base.metadata(atPath: resolved)
    }

    func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        guard let resolved = resolve(path, followLast: false) else { return nil }
        if links[resolved] != nil { return FileMetadata(kind: .symbolicLink, size: 0) }
        return try base.metadata(atPath: resolved)
    }

    func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        guard let resolved = resolve(path, followLast: true) else { throw .notFound(path: path) }
        var names = try base.contentsOfDirectory(atPath: resolved)
        for link in links.keys where ProjectPath.parent(ofAbsolute: link) == resolved {
            names.append(ProjectPath.name(of: link))
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] { try base.readFile(atPath: path) }
    func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try base.writeFile(atPath: path, contents: contents)
    }
    func createDirectory(atPath path: String) throws(FileSystemError) { try base.createDirectory(atPath: path) }
    func removeItem(atPath path: String) throws(FileSystemError) { try base.removeItem(atPath: path) }
}

@Suite struct FileIndexTests {
    private static func index(
        files: [String], links: [String: String] = [:], ignored: Set<String> = []
    ) -> FileIndex {
        var contents: [String: String] = [:]
        for file in files { contents["/p/\(file)"] = file }
        let base = InMemoryFileSystem(files: contents)
        let fileSystem = LinkingFileSystem(base: base, links: links)
        return FileIndex(fileSystem: fileSystem, project: "/p", ignored: ignored)
    }

    private static let tree = [
        "src/a.c", "src/b.c", "src/B.c", "src/é.c", "src/main.h", "src/sub/c.c", "src/sub/deep/d.c",
        "src/.hidden.c", "src/.git/x.c", ".stask/junk.c", "top.c", "src/sub/.e.c",
    ]

    @Test(arguments: [
        ("src/*.c", ["src/B.c", "src/a.c", "src/b.c", "src/é.c"]),
        ("src/?.c", ["src/B.c", "src/a.c", "src/b.c", "src/é.c"]),
        ("src/[ab].c", ["src/a.c", "src/b.c"]),
        ("src/[a-c].c", ["src/a.c", "src/b.c"]),
        ("src/[!a].c", ["src/B.c", "src/b.c", "src/é.c"]),
        ("src/[^ab].c", ["src/B.c", "src/é.c"]),
        ("src/*.[ch]", ["src/B.c", "src/a.c", "src/b.c", "src/main.h", "src/é.c"]),
        ("src/.*.c", ["src/.hidden.c"]),
        ("src/**/*.c", ["src/B.c", "src/a.c", "src/b.c", "src/sub/c.c", "src/sub/deep/d.c", "src/é.c"]),
        ("src/**", ["src/B.c", "src/a.c", "src/b.c", "src/main.h", "src/sub/c.c", "src/sub/deep/d.c", "src/é.c"]),
        ("**/d.c", ["src/sub/deep/d.c"]),
        ("*.c", ["top.c"]),
        ("**/*.c", ["src/B.c", "src/a.c", "src/b.c", "src/sub/c.c", "src/sub/deep/d.c", "src/é.c", "top.c"]),
        ("src/*/*.c", ["src/sub/c.c"]),
        ("src/**/deep/*.c", ["src/sub/deep/d.c"]),
        ("./src/sub/*.c", ["src/sub/c.c"]),
        ("src/sub/.*.c", ["src/sub/.e.c"]),
        (".stask/*.c", []),
        (".*/*.c", []),
        ("nowhere/*.c", []),
        ("src/\\*.c", []),
        ("src", []),
    ])
    func matchesGlob(_ pattern: String, _ expected: [String]) throws {
        let index = Self.index(files: Self.tree)
        if Glob.isPattern(pattern) {
            #expect(try index.expand(pattern) == expected)
        } else {
            #expect(expected.isEmpty)
        }
    }

    @Test func doubleStarDoesNotFollowLinkLoops() throws {
        let index = Self.index(
            files: ["src/a.c", "src/sub/b.c"], links: ["/p/src/loop": "/p/src", "/p/src/sub/up": "/p"])
        #expect(try index.expand("**/*.c") == ["src/a.c", "src/sub/b.c"])
        #expect(try index.expand("src/loop/*.c") == ["src/loop/a.c"])
        #expect(try index.expand("src/loop/loop/loop/*.c") == ["src/loop/loop/loop/a.c"])
    }

    @Test func linkedFilesAreFiles() throws {
        let index = Self.index(
            files: ["real/a.c", "src/z.c"], links: ["/p/src/a.c": "/p/real/a.c", "/p/src/broken.c": "/p/none.c"])
        #expect(try index.expand("src/*.c") == ["src/a.c", "src/z.c"])
    }

    @Test func globsSeeDeclaredOutputsThatDoNotExistYet() throws {
        let index = Self.index(files: ["build/old.o", "build/kept.o", "src/a.c"], ignored: ["build/old.o"])
        index.setOutputs(["build/x.o", "build/deep/y.o", "gen/z.o"])
        #expect(try index.expand("build/*.o") == ["build/kept.o", "build/x.o"])
        #expect(try index.expand("build/**/*.o") == ["build/deep/y.o", "build/kept.o", "build/x.o"])
        #expect(try index.expand("*/*.o") == ["build/kept.o", "build/x.o", "gen/z.o"])
        #expect(try index.isFile("gen/z.o"))
        #expect(try index.isDirectory("gen"))
        #expect(try !index.isFile("gen"))
    }

    @Test func declaringOutputsClearsCachedMatches() throws {
        let index = Self.index(files: ["src/a.c"])
        #expect(try index.expand("build/*.o") == [])
        index.setOutputs(["build/a.o"])
        #expect(try index.expand("build/*.o") == ["build/a.o"])
    }

    @Test func matchesOutsideTheProject() throws {
        let base = InMemoryFileSystem(files: ["/lib/x.h": "", "/p/Taskfile": ""])
        let index = FileIndex(fileSystem: base, project: "/p", ignored: [])
        #expect(try index.expand("../lib/*.h") == ["../lib/x.h"])
        #expect(try index.expand("/lib/*.h") == ["/lib/x.h"])
    }

    @Test func listsEachDirectoryOnce() throws {
        let base = InMemoryFileSystem(files: ["/p/src/a.c": "", "/p/src/b.c": ""])
        let counting = CountingFileSystem(base: base)
        let index = FileIndex(fileSystem: counting, project: "/p", ignored: [])
        _ = try index.expand("src/*.c")
        _ = try index.expand("src/a*")
        _ = try index.expand("src/**/*.c")
        #expect(counting.listings == ["/p/src"])
    }
}

/// Records directory listings.
private final class CountingFileSystem: FileSystem {
    let base: InMemoryFileSystem
    private let recorded = Mutex<[String]>([])
    var listings: [String] { recorded.withLock { $0 } }

    init(base: InMemoryFileSystem) { self.base = base }

    func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? { try base.metadata(atPath: path) }
    func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        try base.linkMetadata(atPath: path)
    }
    func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        recorded.withLock { $0.append(path) }
        return try base.contentsOfDirectory(atPath: path)
    }
    func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] { try base.readFile(atPath: path) }
    func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try base.writeFile(atPath: path, contents: contents)
    }
    func createDirectory(atPath path: String) throws(FileSystemError) { try base.createDirectory(atPath: path) }
    func removeItem(atPath path: String) throws(FileSystemError) { try base.removeItem(atPath: path) }
}
