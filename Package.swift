// swift-tools-version: 6.2
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "stask",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AsyncStreams", targets: ["AsyncStreams"]),
        .executable(name: "stask", targets: ["stask"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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
            swiftSettings: upcoming
        ),
        .target(
            name: "StaskCore",
            dependencies: [
                "AsyncStreams",
                "CXXHash",
                .product(name: "Yams", package: "Yams"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "stask",
            dependencies: [
                "StaskCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
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
        .testTarget(
            name: "StaskCoreTests",
            dependencies: ["StaskCore", "AsyncStreams"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "StaskEndToEndTests",
            dependencies: [],
            swiftSettings: upcoming
        ),
    ]
)
