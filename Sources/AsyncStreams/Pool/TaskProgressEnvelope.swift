/// One event of a pool run: a task's progress, its final value, or its error.
///
/// Every started task produces any number of ``Kind/intermediate(_:)`` envelopes and then exactly one
/// terminal envelope (``Kind/final(_:)`` or ``Kind/error(_:)``), unless the run is cancelled or stopped
/// by an error first. Envelopes of different tasks interleave in the order events happened.
public struct TaskProgressEnvelope<Progress: Sendable, Output: Sendable>: Sendable {
    /// What happened.
    public enum Kind: Sendable {
        /// A progress step of a streaming task; the task still holds its resources.
        case intermediate(Progress)
        /// The task's output; its resources were released before this envelope was emitted.
        case final(Output)
        /// The task's error; its resources were released before this envelope was emitted.
        case error(any Error)
    }

    /// The run-local task number: 1 for the first task started, then strictly increasing in start order.
    ///
    /// Numbers count from 1 in start order, not from 0 in submission order. A task rejected because its
    /// cost can never fit also gets a number, in the order it was taken from the source. Retries of the
    /// same key get new numbers.
    public let taskID: Int
    /// The task's key: the ``ScheduledTask/key``, or the ``KeyedTaskBody/key`` of a
    /// ``HierarchicalTaskPoolRunner`` task. `nil` for a hierarchical runner's bare ``TaskBody`` tasks,
    /// which have no name.
    public let key: String?
    /// What happened.
    public let kind: Kind

    /// Creates an envelope.
    public init(taskID: Int, key: String?, kind: Kind) {
        self.taskID = taskID
        self.key = key
        self.kind = kind
    }

    /// Whether this is the task's last envelope (`final` or `error`).
    public var isTerminal: Bool {
        if case .intermediate = kind { return false }
        return true
    }

    /// The progress value of an `intermediate` envelope, otherwise `nil`.
    public var progress: Progress? {
        if case .intermediate(let value) = kind { return value }
        return nil
    }

    /// The output of a `final` envelope, otherwise `nil`.
    public var output: Output? {
        if case .final(let value) = kind { return value }
        return nil
    }

    /// The error of an `error` envelope, otherwise `nil`.
    public var error: (any Error)? {
        if case .error(let error) = kind { return error }
        return nil
    }

    /// The kind as a word: `"intermediate"`, `"final"` or `"error"`.
    ///
    /// For logs and for code that dispatches on the kind without needing its payload.
    public var kindName: String {
        switch kind {
        case .intermediate: "intermediate"
        case .final: "final"
        case .error: "error"
        }
    }

    /// The value the envelope carries: the progress of an `intermediate` envelope or the output of a
    /// `final` one; `nil` for an `error` envelope.
    ///
    /// Typed as `any Sendable`, since progress and output may differ in type; when they are the same type
    /// this property is typed as that type instead. Use ``progress`` or ``output`` to get one kind only.
    public var value: (any Sendable)? {
        switch kind {
        case .intermediate(let progress): progress
        case .final(let output): output
        case .error: nil
        }
    }
}

extension TaskProgressEnvelope where Progress == Output {
    /// The value the envelope carries: the progress of an `intermediate` envelope or the output of a
    /// `final` one; `nil` for an `error` envelope.
    ///
    /// For runs whose tasks report progress and output of one type, such as a parent forwarding its
    /// children's updates: `if let update = envelope.value { forward(update) }`.
    public var value: Output? {
        switch kind {
        case .intermediate(let progress): progress
        case .final(let output): output
        case .error: nil
        }
    }
}

extension TaskProgressEnvelope: CustomStringConvertible {
    /// The envelope for logs: task number, key, kind and payload, such as `task 3 'parse' final: 42`.
    public var description: String {
        let subject = key.map { "task \(taskID) '\($0)'" } ?? "task \(taskID)"
        switch kind {
        case .intermediate(let progress): return "\(subject) intermediate: \(progress)"
        case .final(let output): return "\(subject) final: \(output)"
        case .error(let error): return "\(subject) error: \(error)"
        }
    }
}
