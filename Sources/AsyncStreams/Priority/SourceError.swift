/// An error thrown by the task sources (``PrioritySourceObj``, ``DependencySourceObj``,
/// ``PriorityDependencySourceObj``) when a call does not fit their state.
///
/// A call that throws leaves the source unchanged. Graph transitions that the graph itself rejects
/// (unknown key, wrong state) surface as ``GraphError`` instead.
public struct SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum so cases can be added without breaking clients.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case closed, missingTask, finished
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// `enqueue` on a ``PrioritySourceObj`` after ``PrioritySourceObj/closeSource()``.
        public static let closed = Code(.closed)
        /// A graph node has no task in the task map.
        public static let missingTask = Code(.missingTask)
        /// A mutation of a graph source after it finished for good (its graph was done).
        public static let finished = Code(.finished)

        /// The code's name, for messages and logs.
        public var description: String { String(describing: value) }
    }

    /// The kind of error.
    public let code: Code
    /// The message users read.
    public let message: String
    /// The graph key concerned, rendered with `String(describing:)`, when there is one.
    public let key: String?

    /// Creates an error.
    public init(code: Code, message: String, key: String? = nil) {
        self.code = code
        self.message = message
        self.key = key
    }

    /// The message users read.
    public var description: String { message }

    static func closed(source: String) -> SourceError {
        SourceError(code: .closed, message: "\(source): cannot enqueue: the source is closed")
    }

    static func missingTask(source: String, key: some Hashable) -> SourceError {
        let rendered = String(describing: key)
        return SourceError(
            code: .missingTask,
            message: "\(source): node '\(rendered)' has no task (every graph node needs an entry in 'tasks')",
            key: rendered
        )
    }

    static func finished(source: String, key: some Hashable) -> SourceError {
        let rendered = String(describing: key)
        return SourceError(
            code: .finished,
            message: "\(source): cannot add node '\(rendered)': the source already finished (its graph was done)",
            key: rendered
        )
    }
}
