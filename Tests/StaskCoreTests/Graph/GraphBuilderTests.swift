import AsyncStreams
import Testing

@testable import StaskCore

@Suite struct GraphBuilderTests {
    private typealias Fixture = TaskfileFixture

    // MARK: - The example

    @Test func buildsTheDesignExample() throws {
        let graph = try Fixture.graph(Fixture.example, files: Fixture.exampleFiles)
        let ids = graph.instances.map(\.id)
        #expect(
            ids == [
                "compile[src/a.c]", "compile[src/b.c]", "compile[src/main.c]", "app", "test[shard 1/4]",
                "test[shard 2/4]", "test[shard 3/4]", "test[shard 4/4]",
            ])
        let compile = try #require(graph.instance(withID: "compile[src/a.c]"))
        #expect(compile.taskName == "compile")
        #expect(compile.item == "src/a.c")
        #expect(compile.inputs == ["src/a.c", "include/a.h", "include/b.h"])
        #expect(compile.outputs == ["build/a.o"])
        #expect(compile.commands == ["cc -O2 -Wall -Iinclude -c src/a.c -o build/a.o"])
        #expect(compile.commandGroups.map(\.item) == ["src/a.c"])
        #expect(compile.cost == ["cpu": 1, "io": 1])
        #expect(compile.environment == ["LC_ALL": "C"])
        #expect(compile.directory == ".")
        #expect(compile.location == SourceLocation(file: "Taskfile.yml", line: 13, column: 3))

        let appIndex = try #require(graph.index(of: "app"))
        let app = graph.instances[appIndex]
        #expect(app.inputs == ["build/a.o", "build/b.o", "build/main.o"])
        #expect(app.commands == ["cc -o build/app build/a.o build/b.o build/main.o"])
        #expect(app.cost == ["cpu": 2])
        #expect(graph.dependencies(of: appIndex).map { graph.instances[$0].id } == Array(ids[0..<3]))
        #expect(graph.dependents(of: appIndex).map { graph.instances[$0].id } == Array(ids[4...]))

        let shards = graph.instances(ofTask: "test").map { graph.instances[$0] }
        #expect(shards.map(\.items.count).reduce(0, +) == 5)
        #expect(Set(shards.flatMap(\.items)) == Set(Fixture.exampleFiles.filter { $0.hasPrefix("tests/") }))
        for shard in shards {
            let position = try #require(shard.shard)
            #expect(shard.commands == ["./run-tests " + shard.items.joined(separator: " ")])
            #expect(shard.inputs == shard.items + ["build/app"])
            #expect(shard.retry == RetryPolicy(attempts: 3, backoff: .milliseconds(200), maxBackoff: .seconds(5)))
            #expect(shard.timeout == .seconds(120))
            #expect(shard.cost == ["cpu": 1])
            #expect(
                shard.environment == [
                    "LC_ALL": "C", "STASK_SHARD_INDEX": "\(position.index)", "STASK_SHARD_COUNT": "4",
                    "TEST_SHARD_INDEX": "\(position.index)", "TEST_TOTAL_SHARDS": "4",
                ])
        }
        #expect(graph.producer(of: "build/app") == appIndex)
        #expect(graph.sourceFiles == Fixture.exampleFiles.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(graph.budget == ["cpu": 8, "io": 4])
        #expect(graph.edgeCount == 3 + 4)
    }

    @Test func buildingTwiceGivesTheSameGraph() throws {
        let first = try Fixture.graph(Fixture.example, files: Fixture.exampleFiles)
        let second = try Fixture.graph(Fixture.example, files: Fixture.exampleFiles)
        #expect(first.instances == second.instances)
    }

    // MARK: - Quoting

    @Test func hostileFileNamesBecomeOneHarmlessWord() throws {
        let graph = try Fixture.graph(
            """
            version: 1
            vars: {CFLAGS: -O2 -g}
            tasks:
              compile:
                foreach: src/*.c
                outputs: ["build/{{stem}}.o"]
                run: "cc {{CFLAGS}} -c {{item}} -o {{output}}; echo {{name}} {{dir}} {{stem}}"
            """,
            files: ["src/a b.c", "src/$(rm -rf ~).c", "src/it's.c", "src/plain.c"])
        let commands = graph.instances.map { $0.commands[0] }
        #expect(
            commands == [
                "cc -O2 -g -c 'src/$(rm -rf ~).c' -o 'build/$(rm -rf ~).o'; echo '$(rm -rf ~).c' src '$(rm -rf ~)'",
                "cc -O2 -g -c 'src/a b.c' -o 'build/a b.o'; echo 'a b.c' src 'a b'",
                "cc -O2 -g -c 'src/it'\\''s.c' -o 'build/it'\\''s.o'; echo 'it'\\''s.c' src 'it'\\''s'",
                "cc -O2 -g -c src/plain.c -o build/plain.o; echo plain.c src plain",
            ])
        #expect(graph.instances[1].outputs == ["build/a b.o"])
    }

    @Test func itemWithGlobCharactersMatchesOnlyItself() throws {
        let graph = try Fixture.graph(
            "version: 1\ntasks:\n  t:\n    foreach: '*.c'\n    inputs: ['{{item}}']\n    run: x {{inputs}}\n",
            files: ["a[1].c", "a1.c"])
        #expect(graph.instances.map(\.inputs) == [["a1.c"], ["a[1].c"]])
        #expect(graph.instances.map { $0.commands[0] } == ["x a1.c", "x 'a[1].c'"])
    }

    // MARK: - Edges

    @Test func inputGlobsMatchDeclaredOutputsBeforeTheyExist() throws {
        let graph = try Fixture.graph(
            """
            version: 1
            tasks:
              compile:
                foreach: src/*.c
                inputs: ["{{item}}", "gen/*.h"]
                outputs: ["build/{{stem}}.o"]
              generate:
                outputs: [gen/config.h, gen/version.h]
              link:
                inputs: ["build/**"]
                outputs: [app]
            """,
            files: ["src/a.c", "src/b.c", "gen/manual.h"])
        let ids = graph.instances.map(\.id)
        #expect(ids == ["generate", "compile[src/a.c]", "compile[src/b.c]", "link"])
        let compile = try #require(graph.instance(withID: "compile[src/a.c]"))
        #expect(compile.inputs == ["src/a.c", "gen/config.h", "gen/manual.h", "gen/version.h"])
        #expect(graph.dependencies(of: 1) == [0])
        #expect(graph.dependencies(of: 3) == [1, 2])
        #expect(graph.sourceFiles == ["gen/manual.h", "src/a.c", "src/b.c"])
    }

    @Test func depsOrderTasksAndAddTheirOutputsAsInputs() throws {
        let graph = try Fixture.graph(
            """
            version: 1
            tasks:
              test:
                deps: [setup, build]
                run: "check {{inputs}}"
              setup:
                run: mkdir -p tmp
              build:
                foreach: "*.c"
                outputs: ["{{stem}}.o"]
            """,
            files: ["x.c", "y.c"])
        #expect(graph.instances.map(\.id) == ["setup", "build[x.c]", "build[y.c]", "test"])
        let test = try #require(graph.instance(withID: "test"))
        #expect(test.inputs == ["x.o", "y.o"])
        #expect(test.commands == ["check "])
        #expect(graph.dependencies(of: 3) == [0, 1, 2])
    }

    @Test func foreachMatchesOtherTasksDeclaredOutputs() throws {
        let graph = try Fixture.graph(
            """
            version: 1
            tasks:
              compress:
                foreach: "build/*.o"
                outputs: ["build/{{name}}.gz"]
                run: gzip -k {{item}}
              compile:
                foreach: "src/*.c"
                inputs: ["{{item}}"]
                outputs: ["build/{{stem}}.o"]
            """,
            files: ["src/a.c", "src/b.c", "build/a.o.gz"])
        #expect(
            graph.instances.map(\.id) == [
                "compile[src/a.c]", "compress[build/a.o]", "compile[src/b.c]", "compress[build/b.o]",
            ])
        #expect(graph.instance(withID: "compress[build/a.o]")?.inputs == ["build/a.o"])
        #expect(graph.instance(withID: "compress[build/a.o]")?.outputs == ["build/a.o.gz"])
    }

    @Test func staleOutputsOnDiskAreNotMatched() throws {
        let yaml = "version: 1\ntasks:\n  link:\n    inputs: ['build/*.o']\n    outputs: [app]\n"
        let files = ["build/old.o", "build/kept.o"]
        let options = GraphBuilder.Options(cpuCount: 1, staleOutputs: ["build/old.o"])
        #expect(try Fixture.graph(yaml, files: files, options: options).instances[0].inputs == ["build/kept.o"])
        #expect(try Fixture.graph(yaml, files: files).instances[0].inputs == ["build/kept.o", "build/old.o"])
    }

    // MARK: - Shards

    @Test func shardsWithoutForeachGetShardPlaceholdersAndEnvironment() throws {
        let graph = try Fixture.graph(
            """
            version: 1
            tasks:
              test:
                shards: 3
                run: "pytest --shard {{shard}}/{{shards}}"
                outputs: ["report-{{shard}}.xml"]
                env: {WHICH: "{{shard}}"}
            """)
        #expect(graph.instances.map(\.id) == ["test[shard 1/3]", "test[shard 2/3]", "test[shard 3/3]"])
        #expect(graph.instances.map { $0.commands[0] } == (0..<3).map { "pytest --shard \($0)/3" })
        #expect(graph.instances.map(\.outputs) == (0..<3).map { ["report-\($0).xml"] })
        let last = graph.instances[2]
        #expect(last.shard == TaskInstance.ShardPosition(index: 2, count: 3))
        #expect(last.shard?.number == 3)
        #expect(
            last.environment == [
                "WHICH": "2", "STASK_SHARD_INDEX": "2", "STASK_SHARD_COUNT": "3", "TEST_SHARD_INDEX": "2",
                "TEST_TOTAL_SHARDS": "3",
            ])
    }

    @Test func shardRunningItemsOneByOneHasOneCommandGroupPerItem() throws {
        let graph = try Fixture.graph(
            """
            version: 1
            tasks:
              test:
                foreach: "tests/*.sh"
                shards: 2
                run: ["sh {{item}}", "echo {{stem}} done"]
                outputs: ["logs/{{stem}}.log"]
            """,
            files: ["tests/a.sh", "tests/b.sh", "tests/c.sh"])
        let all = graph.instances
        #expect(all.count == 2)
        for instance in all {
            #expect(instance.commandGroups.map(\.item) == instance.items)
            #expect(instance.outputs == instance.items.map { "logs/\(ProjectPath.stem(of: $0)).log" })
            for group in instance.commandGroups {
                let item = try #require(group.item)
                #expect(group.commands == ["sh \(item)", "echo \(ProjectPath.stem(of: item)) done"])
            }
        }
    }

    @Test func shardPlannerDecidesItemsAndTheirRunOrderAndEmptyShardsAreDropped() throws {
        struct FirstShardTakesAll: ShardPlanner {
            func assign(items: [String], shardCount: Int, task: String) -> [[String]] {
                [items.reversed()] + Array(repeating: [], count: shardCount - 1)
            }
        }
        let graph = try Fixture.graph(
            "version: 1\ntasks:\n  t:\n    foreach: '*.sh'\n    shards: 3\n    run: 'run {{items}}'\n",
            files: ["b.sh", "a.sh"], options: GraphBuilder.Options(cpuCount: 1, shardPlanner: FirstShardTakesAll()))
        #expect(graph.instances.map(\.id) == ["t[shard 1/3]"])
        // The planner's order is the run order (longest first, for planners with history).
        #expect(graph.instances[0].items == ["b.sh", "a.sh"])
        #expect(graph.instances[0].commands == ["run b.sh a.sh"])
    }

    // MARK: - Vars, dir, env, junit

    @Test func commandLineVarsChangeCommands() throws {
        let yaml = "version: 1\nvars: {CC: cc, FLAGS: '{{OPT}} -g', OPT: -O2}\ntasks:\n  t: {run: '{{CC}} {{FLAGS}}'}\n"
        #expect(try Fixture.graph(yaml).instances[0].commands == ["cc -O2 -g"])
        #expect(try Fixture.graph(yaml, overrides: ["OPT": "-O0"]).instances[0].commands == ["cc -O0 -g"])
        #expect(try Fixture.graph(yaml, overrides: ["CC": "clang"]).instances[0].commands == ["clang -O2 -g"])
    }

    @Test func pathsInCommandsAreRelativeToTheTaskDirectory() throws {
        let graph = try Fixture.graph(
            """
            version: 1
            tasks:
              docs:
                dir: docs
                inputs: [src/a.c, docs/conf.py]
                outputs: [build/docs/index.html]
                run: "render {{inputs}} -o {{output}}"
                env: {OUT: "{{output}}"}
            """,
            files: ["src/a.c", "docs/conf.py"])
        let docs = graph.instances[0]
        #expect(docs.directory == "docs")
        #expect(docs.commands == ["render ../src/a.c conf.py -o ../build/docs/index.html"])
        #expect(docs.environment == ["OUT": "../build/docs/index.html"])
        #expect(docs.inputs == ["src/a.c", "docs/conf.py"])
    }

    @Test func junitPlaceholderPointsIntoStateDirectory() throws {
        let graph = try Fixture.graph(
            "version: 1\ntasks:\n  t:\n    shards: 2\n    run: 'test --junit {{junit}}'\n  u: {run: x}\n")
        let paths = graph.instances.compactMap(\.junitPath)
        #expect(paths.count == 2)
        #expect(Set(paths).count == 2)
        #expect(
            paths.allSatisfy {
                $0.hasPrefix(".stask/junit/t_shard_1_2_-") || $0.hasPrefix(".stask/junit/t_shard_2_2_-")
            })
        #expect(graph.instances[0].commands == ["test --junit \(paths[0])"])
        #expect(graph.instance(withID: "u")?.junitPath == nil)
    }

    // MARK: - Budget

    @Test func budgetDefaultsTaskfileAndOverrides() throws {
        let yaml = "version: 1\nbudget: {io: 2, gpu: 1}\ntasks:\n  t: {cost: {mem_gb: 64}}\n"
        let graph = try Fixture.graph(yaml, options: GraphBuilder.Options(budgetOverrides: ["gpu": 2], cpuCount: 6))
        #expect(graph.budget == ["cpu": 6, "io": 2, "gpu": 2])
        #expect(graph.instances[0].cost == ["mem_gb": 64])
    }

    // MARK: - Scale

    @Test func buildsTenThousandInstances() async throws {
        try await onOwnThread {
            let count = 10_000
            let files = (0..<count).map { "src/f\($0).c" } + ["include/common.h"]
            let graph = try Fixture.graph(
                """
                version: 1
                tasks:
                  compile:
                    foreach: "src/*.c"
                    inputs: ["{{item}}", "include/*.h"]
                    outputs: ["build/{{stem}}.o"]
                    run: "cp {{item}} {{output}}"
                  link:
                    inputs: ["build/*.o"]
                    outputs: [app]
                    run: "cat {{inputs}} > {{output}}"
                """,
                files: files)
            #expect(graph.instances.count == count + 1)
            let link = try #require(graph.index(of: "link"))
            #expect(link == count)
            #expect(graph.dependencies(of: link).count == count)
            #expect(graph.instances[link].inputs.count == count)
            #expect(graph.instances[0].commands == ["cp src/f0.c build/f0.o"])
            #expect(graph.sourceFiles.count == count + 1)
            #expect(graph.edgeCount == count)
        }
    }
}
