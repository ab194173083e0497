/// An error thrown by ``DependencyGraph`` when a call would break its invariants.
///
/// A call that throws leaves the graph unchanged.
public struct GraphError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum so cases can be added without breaking clients.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case duplicateKey, missingDependency, cycle, invalidTransition, unknownKey
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// `addNode` with a key that is already present.
        public static let duplicateKey = Code(.duplicateKey)
        /// A dependency names a key that is neither in the graph nor in the batch.
        public static let missingDependency = Code(.missingDependency)
        /// The insertion would create a cycle; ``GraphError/cycle`` names it.
        public static let cycle = Code(.cycle)
        /// `start`, `complete` or `fail` on a node in the wrong state.
        public static let invalidTransition = Code(.invalidTransition)
        /// A query or mutation named a key that is not in the graph.
        public static let unknownKey = Code(.unknownKey)

        public var description: String { String(describing: value) }
    }

    /// The kind of error.
    public let code: Code
    /// The message users read.
    public let message: String
    /// For ``Code/cycle``: the keys of the cycle in order, first key repeated at the end
    /// (`a -> b -> a` is `["a", "b", "a"]`), rendered with `String(describing:)`.
    public let cycle: [String]

    /// Creates an error.
    public init(code: Code, message: String, cycle: [String] = []) {
        self.code = code
        self.message = message
        self.cycle = cycle
    }

    public var description: String { message }
}
