import Glibc
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskPosix

/// `LocalFileSystem`'s writes and removals below a root: `openat2(RESOLVE_BENEATH)` and the component walk
/// behind it must agree on every shape of link.
@Suite struct LocalFileSystemBeneathTests {
    let fs = LocalFileSystem()
    let project: ScratchDirectory
    let outside: ScratchDirectory

    init() throws {
        project = try ScratchDirectory()
        outside = try ScratchDirectory()
        try fs.createDirectory(atPath: project.appending("real/deeper"))
        try fs.writeFile(atPath: outside.appending("precious"), contents: Array("precious".utf8))
    }

    private func link(_ path: String, to destination: String) {
        #expect(symlink(destination, project.appending(path)) == 0)
    }

    /// The directory `path` opened below the project, as the path the descriptor names.
    private func opened(_ path: String, creating: Bool = false, openat2: Bool) throws(FileSystemError) -> String? {
        guard
            let descriptor = try LocalFileSystem.openDirectory(
                project.appending(path), beneath: project.path, creating: creating, triesOpenat2: openat2)
        else { return nil }
        defer { close(descriptor) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        return String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func expectLeaves(
        _ path: String, through link: String, openat2: Bool, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(sourceLocation: sourceLocation) {
            _ = try opened(path, creating: true, openat2: openat2)
        } throws: { error in
            guard case .leavesDirectory(_, _, let found, _)? = error as? FileSystemError else { return false }
            return found == project.appending(link)
        }
    }

    @Test(arguments: [true, false])
    func linksInsideTheRootAreFollowed(openat2: Bool) throws {
        link("relative", to: "real/deeper")
        link("absolute", to: project.appending("real"))
        link("up-and-in", to: "real/../real/deeper")
        #expect(try opened("relative", openat2: openat2) == project.appending("real/deeper"))
        #expect(try opened("absolute/deeper", openat2: openat2) == project.appending("real/deeper"))
        #expect(try opened("up-and-in", openat2: openat2) == project.appending("real/deeper"))
        #expect(try opened(".", openat2: openat2) == project.path)
    }

    @Test(arguments: [true, false])
    func linksLeadingOutAreRefusedAndNamed(openat2: Bool) throws {
        link("absolute", to: outside.path)
        link("real/dots", to: "../..")
        link("chain", to: "real/dots")
        expectLeaves("absolute", through: "absolute", openat2: openat2)
        expectLeaves("absolute/new", through: "absolute", openat2: openat2)
        expectLeaves("real/dots/x", through: "real/dots", openat2: openat2)
        expectLeaves("chain/x", through: "real/dots", openat2: openat2)
        #expect(try fs.contentsOfDirectory(atPath: outside.path) == ["precious"])
    }

    @Test(arguments: [true, false])
    func missingDirectoriesAreCreatedOrReportedMissing(openat2: Bool) throws {
        #expect(try opened("new/a/b", openat2: openat2) == nil)
        #expect(try opened("new/a/b", creating: true, openat2: openat2) == project.appending("new/a/b"))
    }

    @Test func aLoopOfLinksFails() throws {
        link("loop", to: "loop")
        #expect(
            throws: FileSystemError.systemCall(path: project.appending("loop/x"), operation: "openat", errno: ELOOP)
        ) {
            _ = try opened("loop/x", creating: true, openat2: false)
        }
    }

    @Test func writesAndRemovalsThroughALinkOutAreRefused() throws {
        link("out", to: outside.path)
        let path = project.appending("out/precious")
        #expect(throws: FileSystemError.self) { try fs.writeFile(atPath: path, contents: [1], beneath: project.path) }
        #expect(throws: FileSystemError.self) { try fs.removeItem(atPath: path, beneath: project.path) }
        #expect(throws: FileSystemError.self) { try fs.createDirectory(atPath: path, beneath: project.path) }
        #expect(throws: FileSystemError.self) { _ = try fs.openForAppending(atPath: path, beneath: project.path) }
        #expect(throws: FileSystemError.self) {
            try fs.writeRestoredFile(atPath: path, contents: [1], isExecutable: false, beneath: project.path)
        }
        #expect(throws: FileSystemError.self) {
            try fs.writeCacheFile(atPath: path, contents: [1], beneath: project.path)
        }
        #expect(try fs.readFile(atPath: outside.appending("precious")) == Array("precious".utf8))
    }

    @Test func aFinalLinkIsRemovedOrReplacedItselfAndATreeIsRemovedWithoutFollowingLinks() throws {
        link("out", to: outside.path)
        link("real/out", to: outside.path)
        link("real/file-link", to: outside.appending("precious"))
        try fs.removeItem(atPath: project.appending("out"), beneath: project.path)
        #expect(try fs.linkMetadata(atPath: project.appending("out")) == nil)
        try fs.writeFile(atPath: project.appending("real/file-link"), contents: [7], beneath: project.path)
        #expect(try fs.linkMetadata(atPath: project.appending("real/file-link"))?.kind == .regularFile)
        link("real/cache-link", to: outside.appending("precious"))
        try fs.writeCacheFile(atPath: project.appending("real/cache-link"), contents: [8], beneath: project.path)
        #expect(try fs.readFile(atPath: project.appending("real/cache-link")) == [8])
        try fs.removeItem(atPath: project.appending("real"), beneath: project.path)
        #expect(try fs.linkMetadata(atPath: project.appending("real")) == nil)
        #expect(try fs.contentsOfDirectory(atPath: outside.path) == ["precious"])
        #expect(try fs.readFile(atPath: outside.appending("precious")) == Array("precious".utf8))
    }

    @Test func writesBelowTheRootWorkAsWithoutOne() throws {
        let path = project.appending("a/b/c.txt")
        try fs.writeFile(atPath: path, contents: Array("x".utf8), beneath: project.path)
        #expect(try fs.readFile(atPath: path) == Array("x".utf8))
        let size = try fs.writeFile(atPath: path, beneath: project.path) { (append) throws(FileSystemError) in
            let hello = [UInt8]("hello".utf8)
            var failure: FileSystemError?
            hello.withUnsafeBytes { bytes in
                do throws(FileSystemError) { try append(bytes) } catch { failure = error }
            }
            if let failure { throw failure }
            return Array("J".utf8)
        }
        #expect(size == 5)
        #expect(try fs.readFile(atPath: path) == Array("Jello".utf8))
        let file = try fs.openForAppending(atPath: path, beneath: project.path)
        try file.append(Array("!".utf8))
        file.close()
        #expect(try fs.readFile(atPath: path) == Array("Jello!".utf8))
        #expect(try fs.symbolicLinkDestination(atPath: path) == nil)
        link("l", to: "a/b")
        #expect(try fs.symbolicLinkDestination(atPath: project.appending("l")) == "a/b")
        #expect(try fs.contentsOfDirectory(atPath: project.appending("a/b")) == ["c.txt"], "no temporary left")
    }
}
