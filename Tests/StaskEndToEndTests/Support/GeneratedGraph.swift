import StaskTestSupport

/// A seeded random DAG of tasks over source files, for the fault tests (the long runs are in
/// `bench/faults.py`, which generates the same shape).
///
/// Task `tNNN` reads its sources and the outputs of its dependencies (earlier tasks within a window) and
/// writes `out/tNNN.txt` non-atomically, in three commands with `hook.sh` between the second and the third:
/// `begin tNNN`, a checksum of its inputs, then `end tNNN`. `hook.sh` appends the task's name to `log.txt`
/// and, when `kill.at` holds a number the log has reached, SIGKILLs stask: the kill lands inside a task,
/// with its output half written and other tasks at arbitrary points, ordered by the log and not by time.
struct GeneratedGraph {
    let sources: [String]
    let names: [String]
    let dependencies: [[Int]]
    let sourceIndices: [[Int]]

    /// The hook every task calls between the two halves of its output: `$1` the task, `$2` stask's pid.
    static let hook = """
        echo "$1" >> log.txt
        if [ -f kill.at ]; then
            at=$(cat kill.at)
            n=$(wc -l < log.txt)
            if [ "$n" -ge "$at" ]; then kill -KILL "$2" 2>/dev/null; fi
        fi

        """

    init(seed: UInt64, tasks: Int, sources: Int) {
        var random = SplitMix64(seed: seed)
        self.sources = (0..<sources).map { "src/s\(Self.padded($0)).txt" }
        names = (0..<tasks).map { "t\(Self.padded($0))" }
        var dependencies: [[Int]] = []
        var sourceIndices: [[Int]] = []
        for task in 0..<tasks {
            var window = Array(max(0, task - 30)..<task)
            let count = min([0, 1, 1, 2, 2, 3][random.below(6)], window.count)
            var chosen: [Int] = []
            for _ in 0..<count { chosen.append(window.remove(at: random.below(window.count))) }
            dependencies.append(chosen.sorted())
            sourceIndices.append(chosen.isEmpty || random.below(100) < 35 ? [random.below(sources)] : [])
        }
        self.dependencies = dependencies
        self.sourceIndices = sourceIndices
    }

    func output(_ task: Int) -> String { "out/\(names[task]).txt" }

    /// The Taskfile.
    var taskfile: String {
        var lines = ["version: 1", "tasks:"]
        for (task, name) in names.enumerated() {
            let inputs = sourceIndices[task].map { sources[$0] } + dependencies[task].map(output)
            lines += [
                "  \(name):",
                "    inputs: [\(inputs.joined(separator: ", "))]",
                "    outputs: [\(output(task))]",
                "    run:",
                "      - echo begin \(name) > {{output}}",
                "      - cat {{inputs}} | cksum >> {{output}}",
                "      - sh hook.sh \(name) $PPID",
                "      - echo end \(name) >> {{output}}",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The project's files: Taskfile, hook and sources with seeded contents.
    func files(seed: UInt64) -> [String: String] {
        var random = SplitMix64(seed: seed ^ 0x5EED)
        var files = ["Taskfile": taskfile, "hook.sh": Self.hook]
        for source in sources { files[source] = "\(source) \(random.next() % (1 << 30))\n" }
        return files
    }

    /// Every task whose inputs include, directly or through other tasks, one of the given sources.
    func dependents(ofSources changed: Set<Int>) -> Set<String> {
        var isDirty = [Bool](repeating: false, count: names.count)
        for task in names.indices {
            isDirty[task] =
                sourceIndices[task].contains(where: changed.contains) || dependencies[task].contains { isDirty[$0] }
        }
        return Set(names.indices.filter { isDirty[$0] }.map { names[$0] })
    }

    private static func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}
