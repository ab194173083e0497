// swift-tools-version: 6.2
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

// stask targets Linux: StaskPosix and CStaskShims speak Linux (pidfds, glibc's posix_spawn extensions). The
// platform below is for the AsyncStreams library alone, which builds on macOS too (its `Mutex` needs 15).
//
// The layers: stask → StaskRemote → StaskPosix → StaskCore → AsyncStreams, CXXHash, Yams. SwiftPM rejects an
// import of anything not declared below; the ImportRules plugin rejects the system modules and higher layers
// that SwiftPM cannot see (Plugins/ImportRules).
//
// The gRPC, NIO and protobuf libraries live in a second executable, `stask-remote` (StaskRemoteHelper →
// StaskREAPI → StaskRemote), which `stask` starts only when a build uses a grpc:// remote and talks to over
// pipes: linked into `stask`, their thousands of protocol conformance records made every start-up slower
// (the Swift runtime scans them on a binary's first dynamic casts), remote or not.
let package = Package(
    name: "stask",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AsyncStreams", targets: ["AsyncStreams"]),
        .executable(name: "stask", targets: ["stask"]),
        .executable(name: "stask-remote", targets: ["StaskRemoteHelper"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"]), .brew(["xxhash"])]
        ),
        .target(
            name: "AsyncStreams",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: upcoming,
            plugins: ["ImportRules"]
        ),
        .executableTarget(name: "ImportRulesCheck", path: "Sources/ImportRulesCheck"),
        .plugin(name: "ImportRules", capability: .buildTool(), dependencies: ["ImportRulesCheck"]),
        .target(name: "CStaskShims"),
        .target(
            name: "StaskCore",
            dependencies: [
                "AsyncStreams",
                "CXXHash",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: upcoming,
            plugins: ["ImportRules"]
        ),
        .target(
            name: "StaskPosix",
            dependencies: ["StaskCore", "CStaskShims"],
            swiftSettings: upcoming,
            plugins: ["ImportRules"]
        ),
        .target(
            name: "StaskRemote",
            dependencies: [
                "StaskCore",
                "StaskPosix",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming,
            plugins: ["ImportRules"]
        ),
        .target(
            name: "StaskREAPI",
            dependencies: [
                "StaskCore",
                "StaskPosix",
                "StaskRemote",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // The .proto subset the generated code in Protocol/Generated comes from (scripts/generate-protos).
            swiftSettings: upcoming,
            plugins: ["ImportRules"]
        ),
        .target(
            name: "StaskHTTPS",
            // The https:// cache's transport: Bazel's HTTP cache protocol (StaskRemote's HTTPRemoteCache) over
            // async-http-client and swift-nio-ssl, in the stask-remote helper alone.
            dependencies: [
                "StaskCore",
                "StaskPosix",
                "StaskRemote",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: upcoming,
            plugins: ["ImportRules"]
        ),
        .executableTarget(
            name: "StaskRemoteHelper",
            dependencies: ["StaskCore", "StaskPosix", "StaskRemote", "StaskREAPI", "StaskHTTPS"],
            swiftSettings: upcoming,
            plugins: ["ImportRules"]
        ),
        .executableTarget(
            name: "stask",
            dependencies: [
                "StaskCore",
                "StaskPosix",
                "StaskRemote",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: upcoming,
            // A release build is one statically linked file (glibc, libstdc++ and libxxhash included): no
            // dynamic loader at start-up, which otherwise resolves ~2,000 symbols of libstdc++ and applies
            // ~89,000 relocations of a position-independent executable at every start, four fifths of
            // `stask --version` (docs/performance.md). The linker's notes that glibc's name look-ups need its
            // shared NSS modules at run time are true: sources other than the built-in `files` and `dns` that
            // /etc/nsswitch.conf names are loaded from the system, and must come from the same glibc.
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux], configuration: .release))],
            plugins: ["ImportRules"]
        ),
        .executableTarget(
            name: "TaskfileParseBenchmark",
            dependencies: ["StaskCore"],
            path: "Benchmarks/TaskfileParseBenchmark",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "AsyncStreamsBenchmark",
            dependencies: ["AsyncStreams"],
            path: "Benchmarks/AsyncStreamsBenchmark",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AsyncStreamsTests",
            dependencies: ["AsyncStreams"],
            swiftSettings: upcoming
        ),
        .target(
            name: "StaskTestSupport",
            dependencies: ["StaskCore", "StaskPosix"],
            path: "Tests/StaskTestSupport",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "StaskCoreTests",
            // StaskPosix for the few tests that check the pipeline against a real disk or real processes.
            dependencies: [
                "StaskCore", "StaskPosix", "StaskTestSupport", "AsyncStreams", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "StaskPosixTests",
            dependencies: ["StaskPosix", "StaskCore", "CStaskShims", "StaskTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "StaskRemoteTests",
            // StaskREAPI for the gRPC clients, tested in this process as well as through the helper.
            dependencies: [
                "StaskRemote", "StaskREAPI", "StaskHTTPS", "StaskPosix", "StaskCore", "CStaskShims", "StaskTestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "staskTests",
            dependencies: [
                "stask", "StaskCore", "StaskTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "StaskEndToEndTests",
            // They run the built `.build/debug/stask` (`swift build`), and refuse one older than its sources.
            dependencies: ["StaskTestSupport"],
            swiftSettings: upcoming
        ),
    ]
)
