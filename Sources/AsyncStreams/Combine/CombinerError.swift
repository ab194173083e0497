/// An error thrown by ``AsyncIteratorCombiner/any()`` when every source failed.
public struct CombinerError: Error, CustomStringConvertible {
    /// What went wrong. A struct over a private enum so cases can be added without breaking clients.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case allFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Every source failed before any produced a value (the `AggregateError` of `Promise.any`).
        public static let allFailed = Code(.allFailed)

        /// The code's name, for messages and logs.
        public var description: String { String(describing: value) }
    }

    /// The kind of error.
    public let code: Code
    /// The errors of the failed sources, in the order they arrived.
    public let underlying: [any Error]

    /// Creates an error.
    public init(code: Code, underlying: [any Error]) {
        self.code = code
        self.underlying = underlying
    }

    static func allFailed(_ errors: [any Error]) -> CombinerError {
        CombinerError(code: .allFailed, underlying: errors)
    }

    /// The message users read, listing every source's error.
    public var description: String {
        let causes = underlying.map { String(describing: $0) }.joined(separator: "; ")
        return "AsyncIteratorCombiner.any(): all \(underlying.count) sources failed: \(causes)"
    }
}
