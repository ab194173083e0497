/// How a task's commands reach the jobserver stask serves them (`jobserver:` in the Taskfile).
package enum JobserverStyle: Sendable, Hashable {
    /// Two inherited pipe descriptors (`--jobserver-auth=3,4`): what GNU make 4.3 and cargo read.
    case pipe
    /// A named pipe (`--jobserver-auth=fifo:PATH`): GNU make 4.4, ninja 1.13.
    case fifo
}

/// Serves a GNU make jobserver to one running task, whose tokens are stask's free cpu units.
///
/// StaskPosix's `PipeJobserverHost` makes the pipe or named pipe and moves tokens between it and the
/// build's budget through a ``CPULender``; tests use a fake.
package protocol JobserverHost: Sendable {
    /// Opens a jobserver for one attempt of a task.
    ///
    /// - Parameters:
    ///   - style: pipe descriptors or a named pipe.
    ///   - directory: where a named pipe may be created.
    ///   - lender: the build's free cpu units.
    /// - Throws: an error describing why no jobserver could be made (the task then fails to start).
    func open(_ style: JobserverStyle, directory: String, lender: CPULender) throws -> any JobserverLease
}

/// One open jobserver: what its commands are given, until ``close()``.
package protocol JobserverLease: Sendable {
    /// `MAKEFLAGS` (and `CARGO_MAKEFLAGS`) pointing at the jobserver, added to `environment`'s own flags.
    func environment(adding environment: [String: String]) -> [String: String]
    /// Descriptors the commands inherit: child descriptor → stask's descriptor.
    var descriptors: [Int32: Int32] { get }
    /// Takes every token back (also those a command took and never returned) and returns every unit lent.
    func close()
}
