import Foundation
import PackagePlugin

/// Fails the build when a module imports what the architecture forbids it.
///
/// Dependencies point one way (stask → StaskRemote → StaskPosix → StaskCore → AsyncStreams), and the
/// operating system is reached from StaskPosix, the C shims and the remote clients' sockets only. SwiftPM
/// already rejects an import of a module that is built later; the rules in `ImportRulesCheck` reject what
/// SwiftPM cannot see: system modules (`Glibc`, and `Foundation`, which re-exports it), a C library outside
/// the one folder allowed to use it, and modules of a higher layer. StaskCore may use `FoundationEssentials`
/// (JSON coding, the wall clock, the process's environment), which brings no C library with it.
///
/// The check is a build command over the target's sources, so the build runs it again whenever one of them
/// changes; a violation is reported as `file:line: error:` and stops the build.
@main
struct ImportRules: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let files = target.sourceFiles(withSuffix: "swift").map(\.url)
        let output = context.pluginWorkDirectoryURL.appending(path: "\(target.name)ImportsChecked.swift")
        return [
            .buildCommand(
                displayName: "Checking the imports of \(target.name)",
                executable: try context.tool(named: "ImportRulesCheck").url,
                arguments: [target.name, target.directoryURL.path, output.path] + files.map(\.path),
                inputFiles: files, outputFiles: [output])
        ]
    }
}
