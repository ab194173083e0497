/// An error thrown by the capacity sources. A call that throws changes no availability at any level.
public struct CapacityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum so cases can be added later.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable { case negativeAmount, insufficientCapacity, exceedsLimit }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A limit or cost with a negative amount.
        public static let negativeAmount = Code(.negativeAmount)
        /// `acquireImmediate` without enough available capacity at some level.
        public static let insufficientCapacity = Code(.insufficientCapacity)
        /// A request larger than the total limit: it can never be satisfied.
        public static let exceedsLimit = Code(.exceedsLimit)

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

    public var description: String { message }
}
