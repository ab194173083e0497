// Time to read a large generated Taskfile: TaskfileParser.parse(contents:path:) on the two shapes the build
// benchmark generates, through the hand-written YAML composer and through Yams.
//
//   swift run -c release TaskfileParseBenchmark [tasks] [runs] [fast|yams]
//
// The "per-task" shape has one task per target (10,000 by default, about 1.3 MB); the "foreach" shape is one
// task. Each figure is the median of `runs` parses (default 21) of wall time, after one warm-up parse.
import StaskCore

let taskCount = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 10_000
let runs = CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 21
/// `fast` or `yams` times that path only (for profiling).
let only = CommandLine.arguments.dropFirst(3).first

func perTaskShape(tasks: Int) -> String {
    var text = "version: 1\ntasks:\n"
    for index in 0..<tasks {
        let digits = String(index)
        let name = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
        text += "  c\(name):\n"
        text += "    inputs: [src/f\(name).txt]\n"
        text += "    outputs: [out/f\(name).txt]\n"
        text += "    depfile: out/f\(name).d\n"
        text += "    run: \"cp src/f\(name).txt out/f\(name).txt\"\n"
    }
    text += "  all:\n    inputs: [outs.list, \"out/*.txt\"]\n    outputs: [all.txt]\n"
    text += "    run: \"xargs cat < outs.list > all.txt\"\n"
    return text
}

let foreachShape = """
    version: 1
    tasks:
      copy:
        foreach: src/*.txt
        inputs: ["{{item}}"]
        outputs: ["out/{{stem}}.txt"]
        run: "cp {{item}} {{output}}"

    """

func median(_ parser: TaskfileParser, _ bytes: [UInt8]) throws -> Duration {
    let clock = ContinuousClock()
    _ = try parser.parse(contents: bytes, path: "/p/Taskfile.yml")
    var times: [Duration] = []
    for _ in 0..<runs {
        let start = clock.now
        _ = try parser.parse(contents: bytes, path: "/p/Taskfile.yml")
        times.append(clock.now - start)
    }
    return times.sorted()[runs / 2]
}

func milliseconds(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
    return "\((value * 100).rounded() / 100) ms"
}

var fast = TaskfileParser(fileSystem: InMemoryFileSystem(files: [:]), workingDirectory: "/p")
var yams = fast
yams.composesByHand = false
for (name, text) in [("per-task (\(taskCount) tasks)", perTaskShape(tasks: taskCount)), ("foreach", foreachShape)] {
    let bytes = Array(text.utf8)
    print("\(name), \(bytes.count) bytes: median of \(runs)")
    if only != "yams" { print("  hand-written composer: \(milliseconds(try median(fast, bytes)))") }
    if only != "fast" { print("  Yams:                  \(milliseconds(try median(yams, bytes)))") }
}
