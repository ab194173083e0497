/// Builds the targets of a Taskfile.
public struct BuildEngine: Sendable {
    /// Creates an engine.
    public init() {}

    /// Runs one build.
    ///
    /// - Throws: `BuildError.notImplemented` until the engine lands.
    public func run(_ options: BuildOptions, reporter: any ProgressReporter) async throws -> BuildSummary {
        throw BuildError.notImplemented
    }
}

/// Why a build could not be run.
public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The engine is not written yet.
    case notImplemented

    public var description: String {
        switch self {
        case .notImplemented: "the build engine is not implemented yet"
        }
    }
}
