/// A position in a Taskfile: the file as shown to the user, a 1-based line and a 1-based column.
///
/// Columns count Unicode scalars, as libyaml does, so a location points at the same character an
/// editor shows. The ``description`` is the compiler-style prefix of every ``TaskfileError``:
/// `Taskfile.yml:14:7`.
package struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file as shown in messages: relative to the working directory when it lies below it,
    /// otherwise absolute.
    package var file: String
    /// The line, starting at 1.
    package var line: Int
    /// The column, starting at 1, counted in Unicode scalars.
    package var column: Int

    /// Creates a location.
    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    package var description: String { "\(file):\(line):\(column)" }

    /// Orders by file, then line, then column.
    package static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// A value together with the place in the Taskfile it was written.
package struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The value.
    package var value: Value
    /// Where the value was written.
    package var location: SourceLocation

    /// Creates a located value.
    package init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}
