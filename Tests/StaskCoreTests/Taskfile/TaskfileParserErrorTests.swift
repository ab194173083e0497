import Testing

@testable import StaskCore

/// Every Taskfile error the parser reports, with its exact location and message.
@Suite struct TaskfileParserErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let yaml: String
        let message: String
        var overrides: [String: String] = [:]
        var testDescription: String { message }

        /// A one-key task `a` whose key is on line 5: `    <line>` (line 2 defines the var `CC`).
        static func task(_ line: String, _ column: Int, _ message: String) -> Case {
            Case(
                yaml: "version: 1\nvars: {CC: cc}\ntasks:\n  a:\n    \(line)\n",
                message: "Taskfile.yml:5:\(column): \(message)")
        }
    }

    static let structureCases: [Case] = [
        Case(yaml: "", message: "Taskfile.yml:1:1: missing 'version: 1' (stask reads Taskfile version 1)"),
        Case(yaml: "tasks: {}\n", message: "Taskfile.yml:1:1: missing 'version: 1' (stask reads Taskfile version 1)"),
        Case(
            yaml: "version: '3'\ntasks: {}\nincludes: {}\n",
            message: "Taskfile.yml:1:10: this looks like a go-task Taskfile (version 3); stask reads version 1"),
        Case(
            yaml: "version: 7\n", message: "Taskfile.yml:1:10: unsupported Taskfile version '7'; stask reads version 1"),
        Case(yaml: "version: {a: 1}\n", message: "Taskfile.yml:1:10: 'version' must be 1, not a mapping"),
        Case(
            yaml: "- a\n- b\n",
            message: "Taskfile.yml:1:1: 'Taskfile' must be a mapping with the keys 'version' and 'tasks', not a list"),
        Case(
            yaml: "version: 1\ntask:\n  a: {}\n",
            message: "Taskfile.yml:2:1: unknown key 'task' in the Taskfile (did you mean 'tasks'?)"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    run: x\n    run: y\n",
            message: "Taskfile.yml:5:5: duplicate key 'run' (first written on line 4)"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {}\n  b: {}\n  a: {}\n",
            message: "Taskfile.yml:5:3: duplicate key 'a' (first written on line 3)"),
        Case(yaml: "version: 1\ntasks: [a]\n", message: "Taskfile.yml:2:8: 'tasks' must be a mapping, not a list"),
        Case(
            yaml: "version: 1\nbudget: {cpu: -2}\n",
            message: "Taskfile.yml:2:15: invalid 'budget.cpu' value '-2': must not be negative"),
        Case(
            yaml: "version: 1\nremote_cache: grpcs://cache:9090\n",
            message: "Taskfile.yml:2:15: invalid 'remote_cache' value 'grpcs://cache:9090': grpcs is not supported; "
                + "stask speaks grpc:// without TLS (use an https:// cache, or run a TLS proxy such as stunnel or "
                + "envoy on localhost in front of the gRPC server)"),
        Case(
            yaml: "version: 1\nremote_cache: http://ci:hunter2@cache:9090\n",
            message: "Taskfile.yml:2:15: invalid 'remote_cache' value 'http://***@cache:9090': credentials do not "
                + "belong in the URL; set STASK_REMOTE_CACHE_TOKEN, or STASK_REMOTE_CACHE_USER and "
                + "STASK_REMOTE_CACHE_PASSWORD"),
        Case(
            yaml: "version: 1\nremote: {executor: http://cache:9090}\n",
            message: "Taskfile.yml:2:20: invalid 'remote.executor' value 'http://cache:9090': a remote executor is a "
                + "grpc:// endpoint (the Remote Execution API)"),
        Case(
            yaml: "version: 1\nremote: {instance: x}\n",
            message: "Taskfile.yml:2:9: invalid 'remote': needs an executor: grpc://HOST:PORT[/INSTANCE] "
                + "(the Remote Execution API cluster)"),
        Case(
            yaml: "version: 1\nremote: {executor: \"grpc://c:1\", jobs: 0}\n",
            message: "Taskfile.yml:2:40: invalid 'remote.jobs' value '0': must be at least 1"),
        Case(
            yaml: "version: 1\nremote: {executor: \"grpc://c:1\", job: 2}\n",
            message: "Taskfile.yml:2:34: unknown key 'job' in remote (did you mean 'jobs'?)"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    remote_inputs: [\"{{dir}}/*.h\"]\n",
            message: "Taskfile.yml:4:21: invalid 'remote_inputs' value '{{dir}}/*.h': takes plain paths and globs, "
                + "without placeholders"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    remote: maybe\n",
            message: "Taskfile.yml:4:13: 'remote' must be true or false, not a string ('maybe')"),
        Case(
            yaml: "version: 1\nremote_cache: [http://a]\n",
            message: "Taskfile.yml:2:15: 'remote_cache' must be a string, not a list"),
        Case(
            yaml: "version: 1\ntasks:\n  a b: {}\n",
            message: "Taskfile.yml:3:3: invalid task name 'a b' (no spaces, '[', ']' or '=')"),
        Case(
            yaml: "version: 1\nvars:\n  item: x\n",
            message: "Taskfile.yml:3:3: invalid var name 'item': it is the name of a built-in placeholder"),
        Case(
            yaml: "version: 1\nvars:\n  A-B: x\n",
            message: "Taskfile.yml:3:3: invalid var name 'A-B': use letters, digits and '_', not starting with a digit"),
        Case(
            yaml: "version: 1\nvars:\n  A: '{{B}}'\n  B: 'x {{C}}'\n  C: '{{A}}'\n",
            message: "Taskfile.yml:3:7: vars reference each other in a cycle: A -> B -> C -> A"),
        Case(
            yaml: "version: 1\nvars:\n  A: 'a {{A}}'\n",
            message: "Taskfile.yml:3:9: vars reference each other in a cycle: A -> A"),
        Case(
            yaml: "version: 1\nvars:\n  A: '{{item}}'\n",
            message:
                "Taskfile.yml:3:7: placeholder '{{item}}' cannot be used in a var (a var has one value for every task)"),
        Case(
            yaml: "version: 1\nvars:\n  CFLAGS: '{{OPTS}}'\n  OPT: x\n",
            message: "Taskfile.yml:3:12: unknown placeholder '{{OPTS}}' (did you mean '{{OPT}}'?)"),
        Case(
            yaml: "version: 1\nenv:\n  HOME_DIR: '{{dir}}'\n",
            message: "Taskfile.yml:3:14: placeholder '{{dir}}' cannot be used in the Taskfile's env (only vars can)"),
        Case(
            yaml: "version: 1\ndefault: {a: 1}\n",
            message: "Taskfile.yml:2:10: 'default' must be a string or a list of strings, not a mapping"),
    ]

    static let taskCases: [Case] = [
        .task("ouputs: [x]", 5, "unknown key 'ouputs' in task 'a' (did you mean 'outputs'?)"),
        .task("cost: {cpu: -1}", 17, "invalid 'cost.cpu' value '-1': must not be negative"),
        .task("cost: {cpu: lots}", 17, "'cost.cpu' must be a number, not a string ('lots')"),
        .task("cost: {cpu: .inf}", 17, "invalid 'cost.cpu' value '.inf': must be a finite number"),
        .task(
            "timeout: 5 minutes", 14,
            "invalid duration '5 minutes' for 'timeout' (write e.g. 200ms, 5s, 2m, 1h, 1m30s)"),
        .task("timeout: 30", 14, "invalid duration '30' for 'timeout' (write e.g. 200ms, 5s, 2m, 1h, 1m30s)"),
        .task("timeout: 0s", 14, "invalid 'timeout' value '0s': must be longer than zero"),
        .task("retry: 0", 12, "invalid 'retry' value '0': must be at least 1 (the first try counts)"),
        .task("retry: [3]", 12, "'retry' must be a number of attempts or a mapping, not a list"),
        .task("retry: {attempts: 2, backof: 1s}", 26, "unknown key 'backof' in retry (did you mean 'backoff'?)"),
        .task("retry: {backoff: 1s}", 12, "invalid 'retry': 'attempts' is required"),
        .task(
            "retry: {attempts: 2, backoff: 2s, max_backoff: 1s}", 52,
            "invalid 'max_backoff' value '1s': must not be shorter than 'backoff'"),
        .task("shards: 0", 13, "invalid 'shards' value '0': must be at least 1"),
        .task("shards: 2.5", 13, "'shards' must be a whole number, not a number ('2.5')"),
        .task("always: maybe", 13, "'always' must be true or false, not a string ('maybe')"),
        .task("desc: [a]", 11, "'desc' must be a string, not a list"),
        .task("inputs: {x: 1}", 13, "'inputs' must be a string or a list of strings, not a mapping"),
        .task(
            "inputs: [a, [b]]", 17,
            "'inputs' must be a string or a list of strings, not a list containing a list"),
        .task("deps: {a: 1}", 11, "'deps' must be a string or a list of strings, not a mapping"),
        .task("env: {PATH: [x]}", 17, "'PATH' must be a string, not a list"),
        .task("run: echo {{CCC}}", 15, "unknown placeholder '{{CCC}}' (did you mean '{{CC}}'?)"),
        .task("run: cc {{item}}", 13, "placeholder '{{item}}' needs 'foreach' in task 'a'"),
        .task("run: split {{shard}}", 16, "placeholder '{{shard}}' needs 'shards' in task 'a'"),
        .task("outputs: ['{{output}}.x']", 16, "placeholder '{{output}}' cannot be used in 'outputs'"),
        .task("inputs: '{{items}}'", 14, "placeholder '{{items}}' cannot be used in 'inputs'"),
        .task("dir: '{{junit}}'", 11, "placeholder '{{junit}}' cannot be used in 'dir'"),
        .task("depfile: '{{output}}.d'", 15, "placeholder '{{output}}' cannot be used in 'depfile'"),
        .task("depfile: 'b/{{stem}}.d'", 17, "placeholder '{{stem}}' needs 'foreach' in task 'a'"),
        .task("depfile: [a.d]", 14, "'depfile' must be a string, not a list"),
        .task(
            "foreach: 'src/{{item}}'", 19,
            "placeholder '{{item}}' cannot be used in 'foreach' (only vars can)"),
        .task(
            "run: 'echo {{oops'", 16,
            "malformed placeholder '{{oops' (write {{NAME}}; write {{{{ for a literal '{{')"),
        .task(
            "run: echo {{ x-y }}", 15,
            "malformed placeholder '{{ x-y }}' (write {{NAME}}; write {{{{ for a literal '{{')"),
    ]

    @Test(arguments: structureCases + taskCases) func reportsErrorWithLocation(_ errorCase: Case) {
        let error = TaskfileFixture.parseError(errorCase.yaml, overrides: errorCase.overrides)
        #expect(error?.description == errorCase.message)
    }

    @Test func shardedTaskRefusesItemPlaceholderInDir() {
        let error = TaskfileFixture.parseError(
            "version: 1\ntasks:\n  a:\n    foreach: x\n    shards: 2\n    dir: '{{dir}}'\n")
        #expect(
            error
                == .unavailablePlaceholder(
                    SourceLocation(file: "Taskfile.yml", line: 6, column: 11), name: "dir",
                    reason: "cannot be used in 'dir' of a sharded task (a shard has several items)"))
    }

    @Test func shardedTaskRefusesItemPlaceholderInDepfile() {
        let error = TaskfileFixture.parseError(
            "version: 1\ntasks:\n  a:\n    foreach: x\n    shards: 2\n    depfile: 'b/{{stem}}.d'\n")
        #expect(
            error?.description
                == "Taskfile.yml:6:17: placeholder '{{stem}}' cannot be used in 'depfile' of a sharded task "
                + "(a shard has several items)")
    }

    @Test func badYAMLIsMappedToItsLocation() throws {
        let error = try #require(TaskfileFixture.parseError("version: 1\ntasks:\n  a: [x, y\n  b: {}\n"))
        guard case .invalidYAML(let location, let problem) = error else {
            Issue.record("expected invalidYAML, got \(error)")
            return
        }
        #expect(location.file == "Taskfile.yml")
        #expect(location.line == 4)
        #expect(problem.contains("did not find expected ',' or ']'"))
        #expect(error.description.hasPrefix("Taskfile.yml:4:"))
    }

    @Test func badIndentationIsInvalidYAML() throws {
        let error = try #require(TaskfileFixture.parseError("version: 1\ntasks:\n  a:\n    run: x\n   bad: y\n"))
        #expect(error.location?.line == 5)
        #expect(error.description.contains("invalid YAML"))
    }

    @Test func invalidUTF8NamesTheFirstBadByte() throws {
        let fs = InMemoryFileSystem()
        try fs.writeFile(atPath: "/p/Taskfile.yml", contents: Array("version: 1\n# caf".utf8) + [0xC3, 0x28])
        #expect(throws: TaskfileError.invalidUTF8(SourceLocation(file: "Taskfile.yml", line: 2, column: 6))) {
            try TaskfileFixture.parser(fs).load()
        }
        #expect(
            TaskfileError.invalidUTF8(SourceLocation(file: "Taskfile.yml", line: 2, column: 6)).description
                == "Taskfile.yml:2:6: the Taskfile is not valid UTF-8")
    }

    @Test(arguments: ["item=x", "1X=y", "a b=c"]) func refusesInvalidOverride(_ argument: String) throws {
        let equals = try #require(argument.firstIndex(of: "="))
        let name = String(argument[..<equals])
        let value = String(argument[argument.index(after: equals)...])
        let error = TaskfileFixture.parseError("version: 1\n", overrides: [name: value])
        #expect(error == .invalidOverride(argument: argument))
        #expect(error?.description == "'\(argument)': expected a var definition NAME=value")
    }

    @Test func reportsTheFirstErrorInTheFile() {
        let error = TaskfileFixture.parseError("version: 1\ntasks:\n  a: {shards: 0}\n  b: {retry: 0}\n")
        #expect(error?.location?.line == 3)
    }
}
