/// An error the pool runners report for a task, beside the errors the task's own body throws.
public struct TaskPoolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum so cases can be added later.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable { case missingFinalValue, notAGraphSource }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A streaming body's stream ended without yielding ``StreamStep/final(_:)``.
        public static let missingFinalValue = Code(.missingFinalValue)
        /// A ``TaskSourceHandle`` was asked to complete, fail or abort a task whose source is not a
        /// ``GraphTaskSource`` with `String` keys.
        public static let notAGraphSource = Code(.notAGraphSource)

        /// The code's name, such as `missingFinalValue`.
        public var description: String { String(describing: value) }
    }

    /// The kind of error.
    public let code: Code
    /// The message users read.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message users read.
    public var description: String { message }

    @usableFromInline
    static func missingFinalValue(key: String?) -> TaskPoolError {
        let subject = key.map { "task '\($0)'" } ?? "task"
        return TaskPoolError(
            code: .missingFinalValue,
            message: "\(subject): streaming body ended without a final value (yield .final(output) last)"
        )
    }

    static func notAGraphSource(key: String, source: any TaskSource) -> TaskPoolError {
        TaskPoolError(
            code: .notAGraphSource,
            message: "task '\(key)': its source (\(type(of: source))) is not a graph source with String keys; "
                + "only a GraphTaskSource such as PriorityDependencySourceObj<String, _> can complete, fail or abort it"
        )
    }
}
