import StaskCore
import Testing

@Suite struct InMemoryFileSystemTests {
    @Test func writesCreateParentsAndListSorted() throws {
        let fs = InMemoryFileSystem()
        try fs.writeFile(atPath: "/p/src/b.c", contents: Array("b".utf8))
        try fs.writeFile(atPath: "/p/src/a.c", contents: Array("a".utf8))
        #expect(try fs.contentsOfDirectory(atPath: "/p/src") == ["a.c", "b.c"])
        #expect(try fs.metadata(atPath: "/p")?.kind == .directory)
        #expect(try fs.readFile(atPath: "/p/src/a.c") == Array("a".utf8))
    }

    @Test func missingFileHasNoMetadata() throws {
        #expect(try InMemoryFileSystem().metadata(atPath: "/nope") == nil)
    }

    @Test func touchChangesTimeNotContents() throws {
        let fs = InMemoryFileSystem(files: ["/a": "x"])
        let before = try #require(try fs.metadata(atPath: "/a"))
        try fs.touch(atPath: "/a")
        let after = try #require(try fs.metadata(atPath: "/a"))
        #expect(after.modificationTime > before.modificationTime)
        #expect(try fs.readFile(atPath: "/a") == Array("x".utf8))
    }

    @Test func appendableFilesGrowInPlaceAndAdvanceTheClock() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectory(atPath: "/p")
        let file = try fs.openForAppending(atPath: "/p/journal")
        let created = try #require(try fs.metadata(atPath: "/p/journal"))
        try file.append(Array("abc".utf8))
        try file.append(Array("def".utf8))
        try file.truncate(toSize: 4)
        try file.synchronize()
        file.close()
        #expect(try fs.readFile(atPath: "/p/journal") == Array("abcd".utf8))
        let after = try #require(try fs.metadata(atPath: "/p/journal"))
        #expect(after.inode == created.inode)
        #expect(after.modificationTime > created.modificationTime)
        #expect(throws: FileSystemError.notFound(path: "/missing")) { try fs.openForAppending(atPath: "/missing/j") }
    }
}
