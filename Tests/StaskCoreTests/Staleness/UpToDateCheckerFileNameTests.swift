import Testing

@testable import StaskCore

/// File names are bytes on Linux: `café.txt` written with `é` (U+00E9) and with `e` + U+0301 are two files,
/// though Swift's `String` compares them equal (canonical equivalence).
@Suite struct UpToDateCheckerFileNameTests {
    static let composed = "caf\u{E9}.txt"
    static let decomposed = "cafe\u{301}.txt"

    /// An instance using `input`, with an id in ASCII (ids are `String` keys too).
    static func instance(_ id: String, _ input: String) -> TaskInstance {
        TaskInstance(
            id: id, taskName: "use", commandGroups: [.init(item: nil, commands: ["use \(input)"])],
            inputs: [input], location: SourceLocation(file: "Taskfile", line: 1, column: 1))
    }

    @Test func twoNamesThatDifferOnlyInNormalisationAreTwoFilesHere() throws {
        #expect(Self.composed == Self.decomposed)  // to Swift
        #expect(Array(Self.composed.utf8) != Array(Self.decomposed.utf8))  // to the kernel
        let fileSystem = ByteNamedFileSystem()
        try fileSystem.writeFile(atPath: "/p/" + Self.composed, contents: Array("one\n".utf8))
        try fileSystem.writeFile(atPath: "/p/" + Self.decomposed, contents: Array("two\n".utf8))
        #expect(try fileSystem.readFile(atPath: "/p/" + Self.composed) == Array("one\n".utf8))
        #expect(try fileSystem.readFile(atPath: "/p/" + Self.decomposed) == Array("two\n".utf8))
    }

    /// The pre-pass must not skip an instance whose input changed because another instance's input has a
    /// name Swift thinks equal: the memo must answer for the file the instance names, byte for byte.
    @Test func aMemoTellsApartFilesWhoseNamesDifferOnlyInNormalisation() throws {
        let fileSystem = ByteNamedFileSystem()
        try fileSystem.writeFile(atPath: "/p/" + Self.composed, contents: Array("same\n".utf8))
        try fileSystem.writeFile(atPath: "/p/" + Self.decomposed, contents: Array("same\n".utf8))
        let first = Self.instance("use#1", Self.composed)
        let second = Self.instance("use#2", Self.decomposed)
        let recorded = UpToDateCheckerTests.RecordTable()
        let checker = UpToDateChecker(
            projectDirectory: "/p", fileSystem: fileSystem,
            digests: FileDigestCache(fileSystem: fileSystem, now: { UpToDateCheckerTests.Workspace.wallClock }),
            record: { recorded[$0] })
        for instance in [first, second] {
            let keyInputs = checker.keyInputs(for: instance)
            recorded.set(
                SuccessfulRun(
                    id: instance.id, outputDigests: [:], wallTime: .zero, cpuTime: .zero, keyInputs: keyInputs
                ).record(after: nil))
        }
        // The second instance's own input changes; the first's does not.
        try fileSystem.writeFile(atPath: "/p/" + Self.decomposed, contents: Array("changed\n".utf8))
        let direct = checker.keyInputs(for: second)
        #expect(direct.inputDigests.values.first == ContentHasher.digest(ofUTF8: "changed\n"))
        #expect(!checker.isUpToDate(second, actionKey: direct.actionKey))

        var memo = UpToDateChecker.Memo()
        #expect(checker.isUpToDate(first, actionKey: checker.keyInputs(for: first, memo: &memo).actionKey))
        let viaMemo = checker.keyInputs(for: second, memo: &memo)
        #expect(viaMemo.inputDigests.values.first == ContentHasher.digest(ofUTF8: "changed\n"))
        #expect(!checker.isUpToDate(second, actionKey: viaMemo.actionKey, memo: &memo))
        #expect(memo.observations.count == 2)
    }
}

/// An `InMemoryFileSystem` whose names are their UTF-8 bytes (as on Linux), not Swift strings: each path
/// is stored with every byte outside printable ASCII, and `%`, written `%XX`.
private final class ByteNamedFileSystem: FileSystem {
    let base = InMemoryFileSystem()

    static func stored(_ path: String) -> String {
        var result = ""
        for byte in path.utf8 {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "%") {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                result += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
            }
        }
        return result
    }

    func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        try base.metadata(atPath: Self.stored(path))
    }

    func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        try base.linkMetadata(atPath: Self.stored(path))
    }

    func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        throw .wrongKind(path: path, expected: "no listing in this fake")
    }

    func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] {
        try base.readFile(atPath: Self.stored(path))
    }

    func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try base.writeFile(atPath: Self.stored(path), contents: contents)
    }

    func createDirectory(atPath path: String) throws(FileSystemError) {
        try base.createDirectory(atPath: Self.stored(path))
    }

    func removeItem(atPath path: String) throws(FileSystemError) {
        try base.removeItem(atPath: Self.stored(path))
    }

    func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, expectedSize: UInt64?,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        try base.readChunks(atPath: Self.stored(path), buffer: buffer, expectedSize: expectedSize, body)
    }

    func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile {
        try base.openForAppending(atPath: Self.stored(path))
    }
}
