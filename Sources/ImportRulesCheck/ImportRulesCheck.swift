import Foundation

/// Checks the imports of one target's source files against the package's layering, for the ImportRules
/// build plugin: `ImportRulesCheck TARGET TARGET-DIRECTORY OUTPUT FILE...`.
///
/// Each forbidden import is printed as `file:line: error: …` on standard error, and the exit status is 1;
/// otherwise OUTPUT (a Swift file holding only a comment, compiled into the target) is written, which is what
/// makes the build run this check again whenever one of the files changes.
@main
struct ImportRulesCheck {
    /// A module the target must not import, and the folders (relative to the target) where it may.
    struct Rule {
        var module: String
        var allowedUnder: [String] = []
        var reason: String
    }

    static let rules: [String: [Rule]] = baseRules.merging(
        ["AsyncStreams", "StaskCore", "StaskPosix", "StaskRemote", "stask"].map { target in
            (
                target,
                remoteLibraries.map {
                    Rule(
                        module: $0,
                        reason:
                            "the gRPC, protobuf, NIO and TLS libraries belong to StaskREAPI and StaskHTTPS, in the "
                            + "stask-remote helper alone"
                    )
                }
            )
        },
        uniquingKeysWith: +)

    static let baseRules: [String: [Rule]] = [
        "AsyncStreams": [
            "Foundation", "FoundationEssentials", "Glibc", "Darwin", "Musl", "Dispatch", "StaskCore", "StaskPosix",
            "StaskRemote", "CXXHash", "CStaskShims", "Yams",
        ].map {
            Rule(
                module: $0, reason: "AsyncStreams is a general library: it knows nothing of stask, files or the system")
        },
        "StaskCore": [
            "Foundation", "Glibc", "Darwin", "Musl", "Dispatch", "CStaskShims", "ArgumentParser", "StaskPosix",
            "StaskRemote", "StaskREAPI", "Crypto",
        ].map {
            Rule(
                module: $0,
                reason: "StaskCore is the pipeline as pure logic over protocols, below every other stask module")
        } + [
            Rule(
                module: "CXXHash", allowedUnder: ["Hashing/"],
                reason: "libxxhash is wrapped by StaskCore/Hashing alone")
        ],
        "StaskPosix": ["Foundation", "ArgumentParser", "StaskRemote", "StaskREAPI", "Crypto"].map {
            Rule(module: $0, reason: "StaskPosix holds the Linux implementations, on Glibc alone")
        },
        "stask": ["Glibc", "Darwin", "Musl", "CStaskShims", "CXXHash"].map {
            Rule(module: $0, reason: "the command line reaches the system through StaskPosix")
        } + [
            Rule(module: "StaskREAPI", reason: "the gRPC clients run in the stask-remote helper, not in stask")
        ],
        "StaskRemote": ["ArgumentParser", "StaskREAPI"].map {
            Rule(module: $0, reason: "the remote clients hold no command-line code, and no gRPC")
        },
        "StaskREAPI": ["ArgumentParser"].map {
            Rule(module: $0, reason: "the remote clients hold no command-line code")
        },
        "StaskHTTPS": ["ArgumentParser", "StaskREAPI", "GRPCCore", "SwiftProtobuf"].map {
            Rule(module: $0, reason: "the https:// cache's transport holds no command-line code, and no gRPC")
        },
        "StaskRemoteHelper": ["Glibc", "Darwin", "Musl", "CStaskShims", "CXXHash"].map {
            Rule(module: $0, reason: "the helper's entry point reaches the system through StaskPosix")
        },
    ]

    /// The remote clients' libraries: StaskREAPI's and StaskHTTPS's alone (in the `stask-remote` helper), so the
    /// `stask` binary links none.
    static let remoteLibraries = [
        "GRPCCore", "GRPCNIOTransportHTTP2", "GRPCNIOTransportHTTP2Posix", "GRPCNIOTransportCore", "GRPCProtobuf",
        "SwiftProtobuf", "NIOCore", "NIOPosix", "NIOHTTP1", "NIOHTTP2", "NIOSSL", "NIO", "AsyncHTTPClient",
        "StaskHTTPS",
    ]

    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: ImportRulesCheck TARGET DIRECTORY OUTPUT FILE...\n".utf8))
            exit(2)
        }
        let target = arguments[arguments.startIndex]
        let root = arguments[arguments.startIndex + 1] + "/"
        let output = arguments[arguments.startIndex + 2]
        var violations = 0
        for path in arguments.dropFirst(3) {
            let relative = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let module = importedModule(line) else { continue }
                for rule in rules[target] ?? [] where rule.module == module {
                    if rule.allowedUnder.contains(where: { relative.hasPrefix($0) }) { continue }
                    let message = "\(path):\(index + 1):1: error: \(target) must not import \(module): \(rule.reason)\n"
                    FileHandle.standardError.write(Data(message.utf8))
                    violations += 1
                }
            }
        }
        guard violations == 0 else { exit(1) }
        try "// \(target)'s imports follow the package's layering (checked by ImportRulesCheck).\n"
            .write(toFile: output, atomically: true, encoding: .utf8)
    }

    /// The module an `import` line names (`import X`, `public import X`, `@testable import X.Y`), or nil.
    static func importedModule(_ line: Substring) -> String? {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        while let first = words.first, first.hasPrefix("@") || Self.modifiers.contains(String(first)) {
            words = words.dropFirst()
        }
        guard words.first == "import", words.count >= 2 else { return nil }
        var name = words[words.startIndex + 1]
        if Self.kinds.contains(String(name)), words.count >= 3 { name = words[words.startIndex + 2] }
        return String(name.split(separator: ".").first ?? name)
    }

    static let modifiers: Set<String> = ["public", "package", "internal", "fileprivate", "private"]
    static let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
}
