import SwiftProtobuf
import Testing

@testable import StaskREAPI
@testable import StaskRemote

@Suite struct InputRootTests {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest

    static func file(_ path: String, _ contents: String, executable: Bool = false) -> InputRoot.File {
        InputRoot.File(path: path, digest: Digest(of: Array(contents.utf8)), isExecutable: executable)
    }

    @Test func anEmptyRootIsTheEmptyMessage() throws {
        let tree = try InputRoot(files: [])
        // The SHA-256 of no bytes: the digest every REAPI server knows for an empty directory.
        #expect(tree.rootDigest.hash == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(tree.rootDigest.sizeBytes == 0)
        #expect(tree.directories == [tree.rootDigest: []])
    }

    @Test func oneFileIsAFileNodeWithItsDigestAndMode() throws {
        let tree = try InputRoot(files: [Self.file("run.sh", "echo\n", executable: true)])
        let root = try Build_Bazel_Remote_Execution_V2_Directory(
            serializedBytes: try #require(tree.directories[tree.rootDigest]))
        #expect(root.files.map(\.name) == ["run.sh"])
        #expect(root.files.first?.digest == Digest(of: Array("echo\n".utf8)))
        #expect(root.files.first?.isExecutable == true)
        #expect(root.directories.isEmpty)
    }

    @Test func childrenAreSortedByNameAndNamedByTheirDigest() throws {
        let tree = try InputRoot(files: [
            Self.file("src/b.c", "b"), Self.file("include/x.h", "x"), Self.file("src/a.c", "a"), Self.file("Z", "z"),
            Self.file("a", "a"),
        ])
        let root = try Build_Bazel_Remote_Execution_V2_Directory(
            serializedBytes: try #require(tree.directories[tree.rootDigest]))
        #expect(root.files.map(\.name) == ["Z", "a"], "sorted as UTF-8 bytes: capitals first")
        #expect(root.directories.map(\.name) == ["include", "src"])
        let source = try #require(root.directories.last)
        let sourceDirectory = try Build_Bazel_Remote_Execution_V2_Directory(
            serializedBytes: try #require(tree.directories[source.digest]))
        #expect(sourceDirectory.files.map(\.name) == ["a.c", "b.c"])
        #expect(tree.directories.count == 3)
    }

    @Test func theOrderOfTheInputsDoesNotChangeTheRoot() throws {
        let files = [Self.file("a/b/c", "1"), Self.file("a/d", "2"), Self.file("e", "3")]
        #expect(try InputRoot(files: files).rootDigest == InputRoot(files: files.reversed()).rootDigest)
    }

    @Test func contentChangesTheRootAndTheModeToo() throws {
        let plain = try InputRoot(files: [Self.file("a/x", "1")]).rootDigest
        #expect(try InputRoot(files: [Self.file("a/x", "2")]).rootDigest != plain)
        #expect(try InputRoot(files: [Self.file("a/x", "1", executable: true)]).rootDigest != plain)
    }

    @Test func anEmptyDirectoryCanBeAsked() throws {
        let tree = try InputRoot(files: [], directories: ["build/objects"])
        let root = try Build_Bazel_Remote_Execution_V2_Directory(
            serializedBytes: try #require(tree.directories[tree.rootDigest]))
        #expect(root.directories.map(\.name) == ["build"])
    }

    @Test func theSameFileTwiceIsOneFile() throws {
        let tree = try InputRoot(files: [Self.file("a", "1"), Self.file("a", "1")])
        #expect(tree.rootDigest == (try InputRoot(files: [Self.file("a", "1")])).rootDigest)
    }

    @Test(arguments: [
        ([file("a", "1"), file("a", "2")], InputRootError.conflictingContents("a")),
        ([file("a", "1"), file("a/b", "2")], .fileAndDirectory("a/b")),
        ([file("a/b", "2"), file("a", "1")], .fileAndDirectory("a")),
        ([file("../x", "1")], .notRelative("../x")),
        ([file("/etc/passwd", "1")], .notRelative("/etc/passwd")),
        ([file("a//b", "1")], .notRelative("a//b")),
        ([file("./a", "1")], .notRelative("./a")),
    ])
    func badInputsAreRefused(files: [InputRoot.File], error: InputRootError) {
        #expect(throws: error) { try InputRoot(files: files) }
    }
}
