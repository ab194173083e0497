import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension EndToEndTests {
    /// SIGINT and SIGTERM stop the build in order: the running command's process group is killed, nothing
    /// else starts, no record is written, and the exit status is 128 + the signal.
    @Suite struct InterruptTests {
        @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
        func signalStopsTheBuildKillsTheCommandAndWritesNoRecord(signal: Int32, status: Int32, name: String)
            async throws
        {
            let project = try FixtureProject("interrupt")
            let ready = try FIFO(project.url("ready.fifo"))
            let started = ContinuousClock.now
            let result = try await StaskInvocation.run(["build", "--progress=plain"], in: project.root) { process in
                // The slow step's first command writes a line to the FIFO: then it is running.
                _ = try await ready.lines(what: "the slow step to start")
                kill(process.processIdentifier, signal)
            }
            #expect(result.status == status, "\(result)")
            #expect(result.standardOutput.contains("interrupted by \(name)"), "\(result)")
            #expect(ContinuousClock.now - started < .seconds(20), "the 30 s sleep must have been killed")
            #expect(!project.exists("out.txt"))
            #expect(project.ran == [], "the dependent step never starts")
            let dryRun = try await project.build("--dry-run")
            #expect(dryRun.standardOutput.contains("would run slow: never built"), "no record: \(dryRun)")
        }
    }
}

extension EndToEndTests.InterruptTests {
    /// Long tasks that spawn grandchildren (one ignoring SIGTERM, one task's shell too)
    /// are all gone within the grace period after SIGINT/SIGTERM; stask exits 128 + signal, writes no
    /// record for them, and the next build reruns exactly the unfinished tasks. Long run:
    /// `bench/faults.py --only interrupt`.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalEndsEveryProcessOfTheBuildAndTheNextBuildRerunsExactlyTheUnfinished(signal: Int32, status: Int32)
        async throws
    {
        let project = try FixtureProject(files: Self.grandchildrenProject)
        try FileManager.default.createDirectory(at: project.url("ready"), withIntermediateDirectories: true)
        let ready = try FIFO(project.url("ready.fifo"))
        let stask = try WatchedProcess.stask(["build", "--progress=plain", "-j", "3"], in: project.root)
        // Each long task writes one line to the FIFO once its grandchildren are started and recorded.
        _ = try await ready.lines(2, what: "both long tasks to start their grandchildren")
        #expect(await stask.output(containing: "[1/4] quick"), "the quick task finished first")
        let pids = (project.read("pids") ?? "").split(separator: "\n").compactMap { pid_t($0) }
        #expect(pids.count == 6, "three processes per long task")
        let sent = ContinuousClock.now
        stask.signal(signal)
        let result = await stask.result(timeout: .seconds(20))
        let elapsed = ContinuousClock.now - sent
        #expect(result.status == status, "\(result)")
        #expect(elapsed < .seconds(4), "grace period 2 s; took \(elapsed)")
        #expect(pids.filter(ProcessTable.isAlive).isEmpty, "every process of the build is gone")
        try project.remove("hold")
        try project.clearLog()
        let again = try await project.build()
        #expect(again.status == 0, "\(again)")
        #expect(project.logLines.sorted() == ["after", "long0", "long1"], "exactly the unfinished ones rerun")
    }

    /// `long0` and `long1` start two grandchildren each while `hold` exists (`long0`'s shell also ignores
    /// SIGTERM, so the grace period's SIGKILL is needed), `quick` finishes, `after` waits for all three.
    static let grandchildrenProject = [
        "Taskfile": """
        version: 1
        tasks:
          quick:
            outputs: [quick.txt]
            run:
              - echo quick >> log.txt
              - echo quick > quick.txt
          long0:
            deps: [quick]
            outputs: [long0.txt]
            run:
              - echo long0 >> log.txt
              - sh spawn.sh long0
              - echo done > long0.txt
          long1:
            deps: [quick]
            outputs: [long1.txt]
            run:
              - echo long1 >> log.txt
              - sh spawn.sh long1
              - echo done > long1.txt
          after:
            deps: [long0, long1]
            run: echo after >> log.txt

        """,
        "spawn.sh": """
        if [ -f hold ]; then
            sleep 300 & echo $! >> pids
            sh -c 'trap "" TERM; while :; do sleep 1; done' & echo $! >> pids
            [ "$1" = long0 ] && trap '' TERM
            echo $$ >> pids
            echo "$1" > ready.fifo
            wait
        fi

        """,
        "hold": "",
    ]
}
