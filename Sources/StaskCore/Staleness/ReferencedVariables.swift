import Synchronization

/// ``Taskfile/referencedVariables`` task by task, each worked out the first time it is asked for: a build that
/// checks a few instances of a 10,000-task Taskfile looks at a few tasks' templates, not all of them.
final class ReferencedVariables: Sendable {
    private let taskfile: Taskfile
    private let sharedNames: Set<String>
    private let values: [String: String]
    private let cache = Mutex<[String: [String: String]]>([:])
    private let positions: [String: Int]

    init(_ taskfile: Taskfile) {
        self.taskfile = taskfile
        self.sharedNames = taskfile.sharedVariableNames
        self.values = taskfile.variableValues
        var positions: [String: Int] = [:]
        positions.reserveCapacity(taskfile.tasks.count)
        for (position, task) in taskfile.tasks.enumerated() where positions[task.name] == nil {
            positions[task.name] = position
        }
        self.positions = positions
    }

    /// The value of every var the task named `name` uses; empty for an unknown task.
    func values(forTask name: String) -> [String: String] {
        if let known = cache.withLock({ $0[name] }) { return known }
        guard let position = positions[name] else { return [:] }
        let used = Taskfile.referencedVariables(
            of: taskfile.tasks[position], sharedNames: sharedNames, values: values)
        cache.withLock { $0[name] = used }
        return used
    }
}
