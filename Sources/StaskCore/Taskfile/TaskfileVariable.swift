/// A var of a Taskfile after command-line overrides and references to other vars are resolved.
///
/// A var's value may reference other vars (`CFLAGS: "{{OPT}} -Wall"`); ``value`` is the result, with
/// every reference replaced. A value given on the command line (`stask build OPT=-O0`) replaces the
/// file's value and is taken literally (no placeholders are expanded in it).
package struct TaskfileVariable: Sendable, Hashable {
    /// Where the value came from.
    package enum Origin: Sendable, Hashable {
        /// Written in the Taskfile's `vars:`.
        case taskfile
        /// Given as `NAME=value` on the command line (replacing a Taskfile var, or defining a new one).
        case commandLine
    }

    /// The name, `[A-Za-z_][A-Za-z0-9_]*`.
    package let name: String
    /// The resolved value.
    package let value: String
    /// The value as written in the Taskfile, `nil` for a var only defined on the command line.
    package let written: Template?
    /// Where the value came from.
    package let origin: Origin
    /// Where the var's name is written in the Taskfile; `nil` for a var only defined on the command line.
    package let location: SourceLocation?

    /// Creates a var.
    package init(name: String, value: String, written: Template?, origin: Origin, location: SourceLocation?) {
        self.name = name
        self.value = value
        self.written = written
        self.origin = origin
        self.location = location
    }
}

/// An environment variable declared in a Taskfile's or a task's `env:`.
///
/// The value is a template: Taskfile-level values may use vars, task-level values may also use the
/// per-instance placeholders. Values are inserted without shell quoting (the environment is not a shell).
package struct EnvironmentVariable: Sendable, Hashable {
    /// The variable's name.
    package let name: String
    /// The value, parsed.
    package let value: Template
    /// Where the name is written.
    package let location: SourceLocation

    /// Creates an environment variable declaration.
    package init(name: String, value: Template, location: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
    }
}
