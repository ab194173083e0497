import Synchronization
import Testing

@testable import StaskCore

@Suite struct SpawnPreparationsTests {
    static func strings(_ prepared: PreparedEnvironment) -> [String] {
        var result: [String] = []
        var index = 0
        while let pointer = prepared.strings.pointers[index] {
            result.append(String(cString: pointer))
            index += 1
        }
        return result.sorted()
    }

    @Test func anEnvironmentIsPreparedOnceForItsWorkingDirectory() {
        let preparations = SpawnPreparations()
        let computed = Mutex(0)
        let environment = ["PATH": "/bin", "HOME": "/root"]
        func prepare(_ directory: String?) -> PreparedEnvironment {
            preparations.environment(environment, workingDirectory: directory) {
                computed.withLock { $0 += 1 }
                return directory ?? "?"
            }
        }
        let first = prepare("/a")
        #expect(prepare("/a") === first)
        // Equal contents in other storage are the same environment.
        var copy = environment
        copy["X"] = "1"
        copy["X"] = nil
        #expect(preparations.environment(copy, workingDirectory: "/a") { "unused" } === first)
        #expect(Self.strings(first) == ["HOME=/root", "PATH=/bin", "PWD=/a"])
        let other = prepare("/b")
        #expect(other !== first)
        #expect(Self.strings(other) == ["HOME=/root", "PATH=/bin", "PWD=/b"])
        // Without a working directory the environment is passed as is.
        #expect(Self.strings(prepare(nil)) == ["HOME=/root", "PATH=/bin"])
        #expect(computed.withLock { $0 } == 2)
    }

    @Test func aChangedEnvironmentIsNotMistakenForAPreparedOne() {
        let preparations = SpawnPreparations()
        let first = preparations.environment(["A": "1"], workingDirectory: nil) { "" }
        let second = preparations.environment(["A": "2"], workingDirectory: nil) { "" }
        #expect(first !== second)
        #expect(Self.strings(second) == ["A=2"])
    }

    @Test func onlyTheMostRecentlyUsedEnvironmentsAreKept() {
        let preparations = SpawnPreparations()
        let limit = SpawnPreparations.environmentLimit
        let kept = preparations.environment(["N": "0"], workingDirectory: nil) { "" }
        for index in 1...limit {
            _ = preparations.environment(["N": "\(index)"], workingDirectory: nil) { "" }
            // Using the first one keeps it at the front.
            #expect(preparations.environment(["N": "0"], workingDirectory: nil) { "" } === kept)
        }
        let evicted = preparations.environment(["N": "1"], workingDirectory: nil) { "" }
        #expect(Self.strings(evicted) == ["N=1"])
        for index in 2...(limit + 1) { _ = preparations.environment(["M": "\(index)"], workingDirectory: nil) { "" } }
        // Dropped from the list: a new entry, with the same contents.
        let rebuilt = preparations.environment(["N": "0"], workingDirectory: nil) { "" }
        #expect(rebuilt !== kept)
        #expect(Self.strings(rebuilt) == ["N=0"])
        // The caller's reference stays valid after eviction.
        #expect(Self.strings(kept) == ["N=0"])
    }

    @Test func fileActionsAreKeptPerDescriptorAndDirectory() {
        let preparations = SpawnPreparations()
        let first = preparations.fileActions(outputFD: 7, workingDirectory: "/a", closesFrom: true)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: "/a", closesFrom: true) === first)
        #expect(preparations.fileActions(outputFD: 8, workingDirectory: "/a", closesFrom: true) !== first)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: "/b", closesFrom: true) !== first)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: nil, closesFrom: true) !== first)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: "/a", closesFrom: false) !== first)
    }
}
