import StaskCore
import Testing

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
