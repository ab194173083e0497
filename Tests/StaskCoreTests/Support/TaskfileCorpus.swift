@testable import StaskCore

/// Valid, realistic Taskfiles and the project tree they build, the seeds of the Taskfile fuzz suite.
///
/// Together they use every key (vars, env, budget, default, remote_cache, foreach with `**`, deps, shards, cost,
/// priority, retry in both forms, timeout, dir, env, always, multi-command run), every placeholder,
/// anchors with merge keys, block scalars, flow style and quoted paths with spaces, quotes and unicode.
/// Each loads into a graph against ``fileSystem()`` (checked by the suite).
enum TaskfileCorpus {
    static let project = "/p"
    static let taskfilePath = "/p/Taskfile.yml"

    /// Project-relative source files the Taskfiles refer to.
    static let files = [
        "src/a.c", "src/b.c", "src/main.c", "src/a b.c", "src/$(rm -rf ~).c", "src/it's.c", "src/ünï.c",
        "include/a.h", "include/b.h", "tests/one.sh", "tests/two.sh", "tests/three.sh", "tests/four.sh",
        "tests/five.sh", "docs/index.md", "docs/guide/intro.md", "docs/guide/deep/more.md", "docs/api/x.md",
        "cmd/server/main.go", "cmd/cli/main.go", "internal/db/db.go", "internal/db/db_test.go", "go.mod",
        "web/package.json", "web/src/app.ts", "web/src/lib/util.ts", "assets/logo.png", "assets/icons/a.svg",
        "proto/api.proto", "VERSION",
    ]

    /// An in-memory project holding ``files`` (their contents are their paths).
    static func fileSystem() -> InMemoryFileSystem {
        var contents: [String: String] = [:]
        for file in files { contents["\(project)/\(file)"] = file }
        return InMemoryFileSystem(files: contents)
    }

    static let taskfiles = [cProject, goService, shardedTests, docsSite, anchorsAndBlocks, hostileNames, minimal]

    /// The C project of the Taskfile format's reference example.
    static let cProject = """
        version: 1
        vars:                     # referenced as {{NAME}}; overridden by `stask build NAME=value`
          CC: cc
          CFLAGS: -O2 -Wall
          LDFLAGS: "{{CFLAGS}} -lm"
        env:
          LC_ALL: C
        budget:
          cpu: 8
          io: 4
        default: [app]

        tasks:
          compile:
            desc: Compile one C file
            foreach: src/[a-z]*.c
            inputs: ["{{item}}", "include/*.h"]
            outputs: ["build/{{stem}}.o"]
            run: "{{CC}} {{CFLAGS}} -Iinclude -c {{item}} -o {{output}}"
            cost: {cpu: 1, io: 1}
          app:
            inputs: ["build/*.o"]
            outputs: [build/app]
            run: "{{CC}} {{LDFLAGS}} -o {{output}} {{inputs}}"
            cost: {cpu: 2}
          test:
            deps: [app]
            foreach: tests/*.sh
            shards: 4
            run: "./run-tests {{items}}"
            retry: {attempts: 3, backoff: 200ms, max_backoff: 5s}
            timeout: 2m

        """

    /// `**` globs, `dir`, per-task env, `always`, multi-command `run`, priorities, custom resources.
    static let goService = """
        version: 1
        remote_cache: http://cache.internal:9092/stask   # shared build cache (never with credentials)
        vars:
          GO: go
          GOFLAGS: -trimpath
          VERSION_FILE: VERSION
        env:
          CGO_ENABLED: "0"
          GOFLAGS: "{{GOFLAGS}}"
        budget:
          cpu: 4
          io: 2
          net: 1
          mem_gb: 6
        default: [server, cli, web]
        tasks:
          generate:
            desc: Generate protobuf stubs
            inputs: [proto/api.proto]
            outputs: [internal/gen/api.pb.go]
            run: protoc --go_out=internal/gen {{input}}
          server:
            inputs: ["cmd/server/**/*.go", "internal/**/*.go", go.mod, "{{VERSION_FILE}}"]
            outputs: [bin/server]
            deps: [generate]
            run:
              - "{{GO}} vet ./..."
              - "{{GO}} build -o {{output}} ./cmd/server"
            cost: {cpu: 2, mem_gb: 2}
            priority: 10
          cli:
            inputs: ["cmd/cli/*.go", "internal/**/*.go"]
            outputs: [bin/cli]
            run: ["{{GO}} build -o {{output}} ./cmd/cli"]
            cost: {cpu: 2, mem_gb: 1.5}
            priority: -2.5
          web:
            desc: Bundle the front end
            dir: web
            inputs: ["web/src/**", web/package.json]
            outputs: [web/dist/app.js]
            env:
              NODE_ENV: production
              OUT: "{{output}}"
            run:
              - npm ci --offline
              - npx esbuild src/app.ts --bundle --outfile={{output}}
            cost: {cpu: 1, io: 1, net: 1}
            retry: 2
            timeout: 1m30s
          deploy:
            deps: [server, cli, web]
            always: true
            run: echo deploying {{VERSION_FILE}}
            cost: {net: 1}

        """

    /// Sharding without `foreach` (`{{shard}}`, `{{shards}}`, JUnit) and per-item shard commands.
    static let shardedTests = """
        version: 1
        vars: {RUNNER: ./run-tests, ARGS: ""}
        tasks:
          unit:
            desc: Unit tests, sharded by the runner itself
            shards: 3
            run: "{{RUNNER}} --shard {{shard}}/{{shards}} --junit {{junit}} {{ARGS}}"
            env: {JUNIT: "{{junit}}"}
            retry: {attempts: 2}
            timeout: 10m
          scripts:
            foreach: tests/*.sh
            shards: 2
            run: sh {{item}}
            always: yes
          lint:
            foreach: [tests/one.sh, "tests/t*.sh"]
            run: shellcheck {{item}} # {{name}} in {{dir}}
            cost: {cpu: 0.5}

        """

    /// Chained `foreach` over other tasks' outputs, `{{dir}}`, `{{name}}`, `**`.
    static let docsSite = """
        version: 1
        vars:
          PANDOC: pandoc --standalone
        budget: {cpu: 2}
        tasks:
          page:
            foreach: docs/**/*.md
            outputs: ["site/{{dir}}/{{stem}}.html"]
            run: "{{PANDOC}} {{item}} -o {{output}}"
          compress:
            foreach: "site/**/*.html"
            outputs: ["{{item}}.gz"]
            run: gzip -9 -c {{item}} > {{output}}
            cost: {cpu: 1, io: 1}
          assets:
            foreach: assets/**
            outputs: ["site/{{item}}"]
            run: cp {{item}} {{output}}
          index:
            inputs: ["site/**/*.gz", "site/assets/**"]
            outputs: [site/index.txt]
            run: "ls {{inputs}} > {{output}}"
          check:
            deps: [index]
            run: "test -s site/index.txt"
            always: true

        """

    /// Anchors, aliases and merge keys; block scalars; quoted and escaped strings; `{{{{` literals.
    static let anchorsAndBlocks = """
        version: 1
        vars:
          OPT: &opt -O1
          ECHO: 'printf "%s\\n"'
        tasks:
          base: &base
            cost: &cost {cpu: 1, io: 1}
            retry: &retry {attempts: 2, backoff: 1s, max_backoff: 4s}
            run: true
          one:
            <<: *base
            outputs: [out/one]
            run: |
              {{ECHO}} "{{{{ not a placeholder }}" > {{output}}
              echo done
          two:
            <<: [*base]
            inputs: [out/one]
            outputs: ['out/two']
            run: >-
              cat {{input}}
              > {{output}}
            cost: *cost
          three:
            retry: *retry
            inputs: ["out/*"]
            outputs: ["out/three"]
            run: "echo \\"{{OPT}}\\" '{{inputs}}' > {{output}}"
            desc: *opt

        """

    /// Paths with spaces, quotes, shell syntax and unicode, all shell-quoted in commands.
    static let hostileNames = """
        version: 1
        tasks:
          compile:
            foreach: ["src/*.c"]
            outputs: ["obj/{{stem}}.o"]
            run: cc -c {{item}} -o {{output}}
          link:
            inputs: ["obj/*.o", "src/a b.c", 'src/it''s.c', "src/\\u00fcn\\u00ef.c"]
            outputs: ["bin/my app"]
            run: cc -o {{output}} {{inputs}}
          weird:
            inputs: ["src/$(rm -rf ~).c"]
            outputs: ["out/$(touch pwned)"]
            run: "cat {{input}} > {{output}}"

        """

    /// The smallest useful Taskfiles' features: string version, scalar default, empty values, aggregates.
    static let minimal = """
        version: "1"
        default: all
        env:
          EMPTY:
        tasks:
          hello:
            run: echo hello
          quiet:
          all:
            deps: [hello, quiet]

        """
}
