import StaskCore
import Testing

@Suite struct RebuildReasonTests {
    /// The 8-digit prefix `explain` prints for a file holding `text`.
    static func prefix(of text: String) -> String {
        String(ContentHasher.digest(ofUTF8: text).description.prefix(8))
    }

    @Test func inputChangeNamesThePathAndBothDigestPrefixes() {
        let old = ContentHasher.digest(ofUTF8: "a")
        let new = ContentHasher.digest(ofUTF8: "b")
        let text = RebuildReason.inputChanged(path: "src/a.c", old: old, new: new).description
        #expect(text == "input 'src/a.c' changed (\(Self.prefix(of: "a")) → \(Self.prefix(of: "b")))")
        #expect(RebuildReason.inputChanged(path: "x", old: old, new: new).kind == "input_changed")
    }

    @Test func commandChangeShowsOnlyTheChangedPartWithContext() {
        let reason = RebuildReason.commandChanged(index: 0, old: "cc -O2 -c a.c", new: "cc -O0 -c a.c")
        #expect(reason.description == "command 1 changed: cc -O[-2-]{+0+} -c a.c")
        let added = RebuildReason.commandChanged(index: 1, old: nil, new: "strip app")
        #expect(added.description == "command 2 added: strip app")
    }

    @Test func longCommonPartsAreCutWithAnEllipsis() {
        let head = String(repeating: "h", count: 30)
        let tail = String(repeating: "t", count: 30)
        let reason = RebuildReason.commandChanged(index: 2, old: head + "x" + tail, new: head + "y" + tail)
        #expect(
            reason.description
                == "command 3 changed: …" + String(repeating: "h", count: 20) + "[-x-]{+y+}"
                + String(repeating: "t", count: 20) + "…")
    }

    @Test(arguments: [
        (RebuildReason.neverBuilt, "never built"),
        (.always, "always runs (always: true)"),
        (.lastRunFailed, "its last run failed"),
        (.variableChanged(name: "CFLAGS", old: "-O2", new: "-O0"), "variable 'CFLAGS' changed: '-O2' → '-O0'"),
        (.environmentChanged(name: "LANG", old: nil, new: "C"), "environment variable 'LANG' added: 'C'"),
        (.inputAppeared(path: "data/new.txt"), "input 'data/new.txt' appeared"),
        (.inputDisappeared(path: "data/old.txt"), "input 'data/old.txt' disappeared"),
        (.outputMissing(path: "build/app"), "output 'build/app' is missing"),
        (.dependencyWillRebuild(id: "compile[a.c]"), "dependency 'compile[a.c]' will rebuild"),
    ])
    func eachReasonReadsAsOneLine(reason: RebuildReason, text: String) {
        #expect(reason.description == text)
        #expect(!reason.description.contains("\n"))
    }
}
