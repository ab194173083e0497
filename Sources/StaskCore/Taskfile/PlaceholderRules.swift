/// Which placeholders a Taskfile string may use, by where it is written.
///
/// | where | vars | item, stem, name, dir, items | shard, shards | input(s), output(s), junit |
/// |---|---|---|---|---|
/// | `vars`, top-level `env`, `foreach` | yes | no | no | no |
/// | `inputs`, `outputs` | yes | with `foreach` (not `items`) | with `shards` | no |
/// | `dir`, `depfile` | yes | with `foreach`, not sharded (not `items`) | with `shards` | no |
/// | task `env` | yes | with `foreach` (item family: not sharded) | with `shards` | yes |
/// | `run` | yes | with `foreach` | with `shards` | yes |
struct PlaceholderRules {
    enum Place {
        case taskfileEnvironment, foreach, inputs, outputs, dir, depfile, taskEnvironment, run
    }

    let place: Place
    let task: String?
    let hasForeach: Bool
    let isSharded: Bool

    static let taskfileEnvironment = PlaceholderRules(
        place: .taskfileEnvironment, task: nil, hasForeach: false, isSharded: false)

    /// Why `placeholder` is not allowed here, or `nil` when it is. Vars are checked separately.
    func refusal(of placeholder: Placeholder) -> String? {
        let taskName = task.map { "task '\($0)'" } ?? "this task"
        switch place {
        case .taskfileEnvironment:
            return "cannot be used in the Taskfile's env (only vars can)"
        case .foreach:
            return "cannot be used in 'foreach' (only vars can)"
        case .inputs, .outputs, .dir, .depfile, .taskEnvironment, .run:
            break
        }
        let key: String
        switch place {
        case .inputs: key = "inputs"
        case .outputs: key = "outputs"
        case .dir: key = "dir"
        case .depfile: key = "depfile"
        case .taskEnvironment: key = "env"
        default: key = "run"
        }
        switch placeholder {
        case .variable:
            return nil
        case .item, .stem, .name, .dir:
            if !hasForeach { return "needs 'foreach' in \(taskName)" }
            if isSharded && (place == .dir || place == .depfile || place == .taskEnvironment) {
                return "cannot be used in '\(key)' of a sharded task (a shard has several items)"
            }
            return nil
        case .items:
            if place == .inputs || place == .outputs || place == .dir || place == .depfile {
                return "cannot be used in '\(key)'"
            }
            return hasForeach ? nil : "needs 'foreach' in \(taskName)"
        case .shard, .shards:
            return isSharded ? nil : "needs 'shards' in \(taskName)"
        case .input, .inputs, .output, .outputs, .junit:
            if place == .inputs || place == .outputs || place == .dir || place == .depfile {
                return "cannot be used in '\(key)'"
            }
            return nil
        }
    }
}

// MARK: - Checking templates

extension TaskfileReader {
    /// Checks every placeholder of `template`: vars must exist, built-ins must be allowed by `rules`.
    func check(_ template: Template, rules: PlaceholderRules) throws(TaskfileError) {
        for (placeholder, location) in template.placeholders {
            if case .variable(let name) = placeholder {
                if variables[name] == nil {
                    let candidates = variables.keys.sorted() + Placeholder.builtIns.keys.sorted()
                    throw .unknownPlaceholder(
                        location, name: name, suggestion: Suggestion.closest(to: name, in: candidates))
                }
            } else if let reason = rules.refusal(of: placeholder) {
                throw .unavailablePlaceholder(location, name: placeholder.name, reason: reason)
            }
        }
    }
}
