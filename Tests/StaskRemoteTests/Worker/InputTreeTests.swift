import Foundation
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskREAPI

#if canImport(Glibc)
    import Glibc
#endif

/// `InputTree.materialize` from an in-memory blob map into a scratch directory.
@Suite struct InputTreeTests {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest
    typealias Directory = Build_Bazel_Remote_Execution_V2_Directory

    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory()
    }

    static func file(_ name: String, _ contents: [UInt8], executable: Bool = false)
        -> Build_Bazel_Remote_Execution_V2_FileNode
    {
        var node = Build_Bazel_Remote_Execution_V2_FileNode()
        node.name = name
        node.digest = Digest(of: contents)
        node.isExecutable = executable
        return node
    }

    static func directoryNode(_ name: String, _ directory: Directory) -> Build_Bazel_Remote_Execution_V2_DirectoryNode {
        var node = Build_Bazel_Remote_Execution_V2_DirectoryNode()
        node.name = name
        node.digest = Digest(of: OutputTree.serialized(directory))
        return node
    }

    @Test func writesFilesDirectoriesExecutableBitsAndLinks() throws {
        let data = Array("data\n".utf8)
        let tool = Array("#!/bin/sh\necho tool\n".utf8)
        var leaf = Directory()
        leaf.files = [Self.file("tool.sh", tool, executable: true)]
        var empty = Directory()
        empty.files = []
        var root = Directory()
        root.files = [Self.file("a.txt", data)]
        root.directories = [Self.directoryNode("bin", leaf), Self.directoryNode("empty", empty)]
        var link = Build_Bazel_Remote_Execution_V2_SymlinkNode()
        link.name = "link"
        link.target = "a.txt"
        root.symlinks = [link]
        let rootDigest = Digest(of: OutputTree.serialized(root))
        let tree = InputTree(
            root: rootDigest,
            directories: [
                rootDigest: root, Digest(of: OutputTree.serialized(leaf)): leaf,
                Digest(of: OutputTree.serialized(empty)): empty,
            ])
        #expect(Set(tree.fileDigests) == [Digest(of: data), Digest(of: tool)])

        try tree.materialize(into: scratch.path, blobs: [Digest(of: data): data, Digest(of: tool): tool])

        #expect(FileManager.default.contents(atPath: scratch.appending("a.txt")) == Data(data))
        #expect(FileManager.default.contents(atPath: scratch.appending("bin/tool.sh")) == Data(tool))
        var info = stat()
        #expect(stat(scratch.appending("bin/tool.sh"), &info) == 0)
        #expect(info.st_mode & 0o100 != 0)
        #expect(stat(scratch.appending("a.txt"), &info) == 0)
        #expect(info.st_mode & 0o111 == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.appending("empty")).isEmpty)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.appending("link")) == "a.txt")
    }

    @Test(arguments: ["..", ".", "", "a/b"])
    func refusesNamesThatAreNotOneComponent(name: String) throws {
        var root = Directory()
        root.files = [Self.file(name, [1])]
        let digest = Digest(of: OutputTree.serialized(root))
        let tree = InputTree(root: digest, directories: [digest: root])
        #expect(throws: WorkerError.invalidPath(scratch.path + "/" + name)) {
            try tree.materialize(into: scratch.path, blobs: [Digest(of: [1]): [1]])
        }
    }

    @Test func reportsAFileTheBlobsLack() throws {
        var root = Directory()
        root.files = [Self.file("gone", [7, 7])]
        let digest = Digest(of: OutputTree.serialized(root))
        let tree = InputTree(root: digest, directories: [digest: root])
        #expect(throws: WorkerError.missingBlob(kind: "input file", digest: Digest(of: [7, 7]).resourcePath)) {
            try tree.materialize(into: scratch.path, blobs: [:])
        }
    }

    @Test func decodeRefusesABlobThatDoesNotMatchItsDigest() throws {
        let directory = Directory()
        let bytes = OutputTree.serialized(directory) + [0]
        let digest = Digest(of: OutputTree.serialized(directory))
        #expect(throws: WorkerError.corruptBlob(kind: "directory", digest: digest.resourcePath)) {
            try InputTree.decode(Directory.self, kind: "directory", digest: digest, from: [digest: bytes])
        }
    }
}
