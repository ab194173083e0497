import StaskCore
import Testing

@Suite struct JobserverKeyTests {
    func parse(_ value: String) throws -> Taskfile {
        try TaskfileParser(fileSystem: InMemoryFileSystem(), workingDirectory: "/p").parse(
            contents: Array("version: 1\ntasks:\n  a:\n    jobserver: \(value)\n    run: make\n".utf8), path: "/p/T.yml"
        )
    }

    @Test func theKeyTakesABooleanOrAStyle() throws {
        #expect(try parse("true").tasks.first?.jobserver == .pipe)
        #expect(try parse("pipe").tasks.first?.jobserver == .pipe)
        #expect(try parse("fifo").tasks.first?.jobserver == .fifo)
        #expect(try parse("false").tasks.first?.jobserver == nil)
        do {
            _ = try parse("socket")
            Issue.record("an unknown style was accepted")
        } catch {
            #expect("\(error)".contains("T.yml:4:16"), "\(error)")
            #expect("\(error)".contains("true, false, pipe or fifo"), "\(error)")
        }
    }
}
