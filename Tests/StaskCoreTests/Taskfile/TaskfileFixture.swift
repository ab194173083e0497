@testable import StaskCore

/// Builds Taskfiles and file trees in memory for the Taskfile and Graph suites.
enum TaskfileFixture {
    static let project = "/p"

    /// A file system holding `/p/Taskfile.yml` with `yaml` and an empty file at each of `files`
    /// (relative to `/p`).
    static func fileSystem(_ yaml: String, files: [String] = []) -> InMemoryFileSystem {
        var contents = ["\(project)/Taskfile.yml": yaml]
        for file in files { contents["\(project)/\(file)"] = file }
        return InMemoryFileSystem(files: contents)
    }

    static func parser(_ fileSystem: InMemoryFileSystem) -> TaskfileParser {
        TaskfileParser(fileSystem: fileSystem, workingDirectory: project)
    }

    static func parse(_ yaml: String, overrides: [String: String] = [:]) throws -> Taskfile {
        try parser(fileSystem(yaml)).load(variableOverrides: overrides)
    }

    /// The error parsing `yaml` throws, or `nil` when it parses.
    static func parseError(_ yaml: String, overrides: [String: String] = [:]) -> TaskfileError? {
        do {
            _ = try parse(yaml, overrides: overrides)
            return nil
        } catch {
            return error as? TaskfileError
        }
    }

    static func graph(
        _ yaml: String, files: [String] = [], overrides: [String: String] = [:],
        options: GraphBuilder.Options = GraphBuilder.Options(cpuCount: 8)
    ) throws -> BuildGraph {
        let fileSystem = fileSystem(yaml, files: files)
        let taskfile = try parser(fileSystem).load(variableOverrides: overrides)
        return try GraphBuilder(fileSystem: fileSystem, options: options).build(taskfile)
    }

    /// The error building the graph throws (parsing must succeed).
    static func graphError(
        _ yaml: String, files: [String] = [], options: GraphBuilder.Options = GraphBuilder.Options(cpuCount: 8)
    ) throws -> TaskfileError? {
        let fileSystem = fileSystem(yaml, files: files)
        let taskfile = try parser(fileSystem).load()
        do {
            _ = try GraphBuilder(fileSystem: fileSystem, options: options).build(taskfile)
            return nil
        } catch {
            return error as? TaskfileError
        }
    }

    /// The Taskfile format's reference example.
    static let example = """
        version: 1
        vars:                     # referenced as {{NAME}}; overridden by `stask build NAME=value`
          CC: cc
          CFLAGS: -O2 -Wall
        env:                      # added to every command's environment
          LC_ALL: C
        budget:                   # defaults; --cpu / --io / --budget NAME=N override
          cpu: 8                  # default: number of cores
          io: 4                   # default: 4
        default: [app]            # what `stask build` builds when no target is named

        tasks:
          compile:
            desc: Compile one C file
            foreach: src/*.c                 # one instance per match: compile[src/a.c] ...
            inputs: ["{{item}}", "include/*.h"]
            outputs: ["build/{{stem}}.o"]
            run: "{{CC}} {{CFLAGS}} -Iinclude -c {{item}} -o {{output}}"
            cost: {cpu: 1, io: 1}            # default {cpu: 1}
          app:
            inputs: ["build/*.o"]            # globs also match other tasks' declared outputs
            outputs: [build/app]
            run: "{{CC}} -o {{output}} {{inputs}}"
            cost: {cpu: 2}
          test:
            deps: [app]                      # explicit ordering; deps' outputs count as inputs
            foreach: tests/*.sh
            shards: 4                        # items split into 4 shards balanced by recorded duration
            run: "./run-tests {{items}}"
            retry: {attempts: 3, backoff: 200ms, max_backoff: 5s}
            timeout: 2m

        """

    static let exampleFiles = [
        "src/a.c", "src/b.c", "src/main.c", "include/a.h", "include/b.h", "tests/one.sh", "tests/two.sh",
        "tests/three.sh", "tests/four.sh", "tests/five.sh",
    ]
}
