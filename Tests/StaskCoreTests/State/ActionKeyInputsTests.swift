import Testing

@testable import StaskCore

@Suite struct ActionKeyInputsTests {
    static let base = ActionKeyInputs(
        commands: ["cc -c a.c -o a.o"], directory: "/p", environment: ["LC_ALL": "C"], variables: ["CC": "cc"],
        inputDigests: ["a.c": ContentHasher.digest(ofUTF8: "a"), "h.h": ContentHasher.digest(ofUTF8: "h")],
        outputPaths: ["a.o"])

    @Test(arguments: ["command", "second command", "directory", "environment", "input digest", "input path", "output"])
    func everyKeyedFieldChangesTheKey(field: String) {
        var changed = Self.base
        switch field {
        case "command": changed.commands = ["cc -O2 -c a.c -o a.o"]
        case "second command": changed.commands.append("strip a.o")
        case "directory": changed.directory = "/p/sub"
        case "environment": changed.environment["LC_ALL"] = "en_US.UTF-8"
        case "input digest": changed.inputDigests["a.c"] = ContentHasher.digest(ofUTF8: "a2")
        case "input path": changed.inputDigests["b.c"] = changed.inputDigests.removeValue(forKey: "a.c")
        default: changed.outputPaths.append("a.d")
        }
        #expect(changed.actionKey != Self.base.actionKey)
    }

    /// The documented field sequence, hashed by hand: the key of a given input never changes with how the
    /// inputs are stored.
    @Test func keyIsTheDocumentedFieldSequence() {
        var hasher = ActionKeyHasher()
        hasher.add("commands")
        hasher.add(1)
        hasher.add("cc -c a.c -o a.o")
        hasher.add("directory")
        hasher.add("/p")
        hasher.add("environment")
        hasher.add(1)
        hasher.add("LC_ALL")
        hasher.add("C")
        hasher.add("inputs")
        hasher.add(2)
        hasher.add("a.c")
        hasher.add(ContentHasher.digest(ofUTF8: "a"))
        hasher.add("h.h")
        hasher.add(ContentHasher.digest(ofUTF8: "h"))
        hasher.add("outputs")
        hasher.add(1)
        hasher.add("a.o")
        #expect(Self.base.actionKey == hasher.finalize())
    }

    /// Inputs are stored sorted and distinct; a state file that lists them otherwise (altered by hand)
    /// decodes to the same value a dictionary would have made, the last digest of a path winning.
    @Test func decodingUnsortedOrRepeatedInputsNormalizesThem() throws {
        var writer = StateBinaryWriter()
        let inline: (inout StateBinaryWriter, String) -> Void = { writer, string in writer.inlineString(string) }
        inline(&writer, "/p")
        writer.varint(0)  // commands
        writer.varint(0)  // environment
        writer.varint(0)  // variables
        writer.varint(3)
        for (path, text) in [("z.c", "z"), ("a.c", "old"), ("a.c", "a")] {
            inline(&writer, path)
            writer.digest(ContentHasher.digest(ofUTF8: text))
        }
        writer.varint(0)  // outputs
        let decoded = try writer.bytes.withUnsafeBytes { raw in
            var reader = StateBinaryReader(raw)
            return try ActionKeyInputs.decode(from: &reader) { (reader) throws(StateDecodingError) in
                try reader.inlineString()
            }
        }
        let expected = ActionKeyInputs(
            commands: [], directory: "/p",
            inputDigests: ["a.c": ContentHasher.digest(ofUTF8: "a"), "z.c": ContentHasher.digest(ofUTF8: "z")])
        #expect(decoded == expected)
        #expect(decoded.sortedInputs.map(\.path) == ["a.c", "z.c"])
    }

    @Test func variablesAreInformationalOnly() {
        var changed = Self.base
        changed.variables["CC"] = "clang"
        #expect(changed.actionKey == Self.base.actionKey)
    }

    @Test func keyDoesNotDependOnMapConstructionOrder() {
        var forward: [String: ContentDigest] = [:]
        var backward: [String: ContentDigest] = [:]
        let names = (0..<50).map { "src/f\($0).c" }
        for name in names { forward[name] = ContentHasher.digest(ofUTF8: name) }
        for name in names.reversed() { backward[name] = ContentHasher.digest(ofUTF8: name) }
        var first = Self.base
        var second = Self.base
        first.inputDigests = forward
        second.inputDigests = backward
        first.outputPaths = ["b.o", "a.o"]
        second.outputPaths = ["a.o", "b.o"]
        #expect(first.actionKey == second.actionKey)
    }

    @Test func environmentEntriesDoNotRunTogether() {
        var first = Self.base
        var second = Self.base
        first.environment = ["A": "BC"]
        second.environment = ["AB": "C"]
        #expect(first.actionKey != second.actionKey)
    }
}
