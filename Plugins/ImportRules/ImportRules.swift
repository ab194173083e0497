import Foundation
import PackagePlugin

/// Fails the build when a module imports what the architecture forbids it.
///
/// Dependencies point one way (stask → StaskRemote → StaskPosix → StaskCore → AsyncStreams), and the
/// operating system is reached from StaskPosix, the C shims, the remote clients' sockets and the CLI's
/// terminal only. StaskCore may use `FoundationEssentials` (JSON coding, the wall clock, the process's
/// environment), which brings no C library with it. SwiftPM already rejects an import
/// of a module that is built later; this plugin rejects what SwiftPM cannot see: system modules (`Glibc`,
/// `Foundation`, which re-exports it) and a C library outside the one folder allowed to use it. Each
/// violation is reported as `file:line: error:` and stops the build.
@main
struct ImportRules: BuildToolPlugin {
    /// A module the target must not import, and the folders (relative to the target) where it may.
    struct Rule {
        var module: String
        var allowedUnder: [String] = []
        var reason: String
    }

    static let rules: [String: [Rule]] = [
        "AsyncStreams": [
            "Foundation", "FoundationEssentials", "Glibc", "Darwin", "Musl", "Dispatch", "StaskCore", "StaskPosix",
            "StaskRemote", "CXXHash", "CStaskShims", "Yams",
        ].map {
            Rule(
                module: $0, reason: "AsyncStreams is a general library: it knows nothing of stask, files or the system")
        },
        "StaskCore": [
            "Foundation", "Glibc", "Darwin", "Musl", "Dispatch", "CStaskShims", "ArgumentParser", "StaskPosix",
            "StaskRemote", "Crypto",
        ].map {
            Rule(
                module: $0,
                reason: "StaskCore is the pipeline as pure logic over protocols, below every other stask module")
        } + [
            Rule(
                module: "CXXHash", allowedUnder: ["Hashing/"],
                reason: "libxxhash is wrapped by StaskCore/Hashing alone")
        ],
        "StaskPosix": ["Foundation", "ArgumentParser", "StaskRemote", "Crypto"].map {
            Rule(module: $0, reason: "StaskPosix holds the Linux implementations, on Glibc alone")
        },
        "StaskRemote": ["ArgumentParser"].map {
            Rule(module: $0, reason: "the remote clients hold no command-line code")
        },
    ]

    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget, let rules = Self.rules[target.name] else { return [] }
        let root = target.directoryURL.path + "/"
        for file in target.sourceFiles(withSuffix: "swift") {
            let path = file.url.path
            let relative = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
            let text = try String(contentsOf: file.url, encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let module = Self.importedModule(line) else { continue }
                for rule in rules where rule.module == module {
                    if rule.allowedUnder.contains(where: { relative.hasPrefix($0) }) { continue }
                    // The location leads the message too: SwiftPM prints a plugin's diagnostics without it.
                    Diagnostics.error(
                        "\(path):\(index + 1): \(target.name) must not import \(module): \(rule.reason)",
                        file: path, line: index + 1)
                }
            }
        }
        return []
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
