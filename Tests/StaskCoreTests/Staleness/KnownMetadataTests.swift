import Testing

@testable import StaskCore

/// What the pre-pass takes instead of examining a file itself.
struct KnownMetadataTests {
    @Test("graph construction's observations serve as a stat would: a regular file, a link's target, an absence")
    func observationsThatServe() throws {
        let fileSystem = InMemoryFileSystem(files: ["/p/a.txt": "a", "/p/dir/b.txt": "b"])
        let file = try fileSystem.linkMetadata(atPath: "/p/a.txt")
        let directory = try fileSystem.linkMetadata(atPath: "/p/dir")
        let known = KnownMetadata([
            FileObservation(path: "a.txt", followsLinks: false, metadata: file),
            FileObservation(path: "dir", followsLinks: false, metadata: directory),
            FileObservation(path: "gone.txt", followsLinks: false, metadata: nil),
        ])
        #expect(known.metadata(of: "a.txt") == .some(file))
        // A directory seen without following links may be a link to one: a stat could differ.
        #expect(known.metadata(of: "dir") == nil)
        #expect(known.metadata(of: "gone.txt") == .some(nil))
        #expect(known.metadata(of: "other.txt") == nil)
    }

    @Test("prefetched paths are examined following links, absent ones known as absent, the rest kept")
    func prefetching() throws {
        let fileSystem = InMemoryFileSystem(files: ["/p/a.txt": "a", "/p/b.txt": "bb", "/p/abs.txt": "x"])
        try fileSystem.createSymbolicLink(atPath: "/p/link.txt", destination: "b.txt")
        let file = try fileSystem.linkMetadata(atPath: "/p/a.txt")
        let known = KnownMetadata([FileObservation(path: "a.txt", followsLinks: false, metadata: file)])
            .prefetching(["link.txt", "missing.txt", "/p/abs.txt"], fileSystem: fileSystem, projectDirectory: "/p")
        #expect(known.metadata(of: "a.txt") == .some(file))
        #expect(known.metadata(of: "link.txt") == .some(try fileSystem.metadata(atPath: "/p/b.txt")))
        #expect(known.metadata(of: "missing.txt") == .some(nil))
        #expect(known.metadata(of: "/p/abs.txt") == .some(try fileSystem.metadata(atPath: "/p/abs.txt")))
        #expect(known.contains("link.txt") && !known.contains("b.txt"))
    }
}
