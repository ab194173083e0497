import Foundation
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskREAPI

#if canImport(Glibc)
    import Glibc
#endif

/// `OutputTree`: the `Tree` message of an output directory on disk.
@Suite struct OutputTreeTests {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest

    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory()
        let out = scratch.appending("out")
        try FileManager.default.createDirectory(atPath: out + "/sub/deeper", withIntermediateDirectories: true)
        try Data("b".utf8).write(to: URL(fileURLWithPath: out + "/b.txt"))
        try Data("a".utf8).write(to: URL(fileURLWithPath: out + "/a.txt"))
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: out + "/sub/run"))
        chmod(out + "/sub/run", 0o755)
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + "/sub/deeper/x"))
        symlink("../a.txt", out + "/sub/up")
    }

    @Test func listsEntriesSortedWithChildrenAndBlobs() throws {
        let output = try OutputTree(directoryAt: scratch.appending("out"))
        let root = output.tree.root
        #expect(root.files.map(\.name) == ["a.txt", "b.txt"])
        #expect(root.files[0].digest == Digest(of: Array("a".utf8)))
        #expect(root.directories.map(\.name) == ["sub"])
        #expect(output.rootDigest == Digest(of: OutputTree.serialized(root)))
        #expect(output.tree.children.count == 2)

        let sub = try #require(
            output.tree.children.first { Digest(of: OutputTree.serialized($0)) == root.directories[0].digest })
        #expect(sub.files.map(\.name) == ["run"])
        #expect(sub.files[0].isExecutable)
        #expect(sub.symlinks.map(\.target) == ["../a.txt"])
        #expect(sub.directories.map(\.name) == ["deeper"])

        #expect(output.blobs[output.treeDigest] == OutputTree.serialized(output.tree))
        #expect(output.blobs[Digest(of: Array("x".utf8))] == Array("x".utf8))
        #expect(output.blobs.count == 5)  // four distinct files and the tree
    }

    @Test func equalDirectoriesHaveEqualDigests() throws {
        let first = try OutputTree(directoryAt: scratch.appending("out"))
        let second = try OutputTree(directoryAt: scratch.appending("out"))
        #expect(first.treeDigest == second.treeDigest)
        #expect(first.rootDigest == second.rootDigest)
    }
}
