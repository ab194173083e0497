/// Why a task instance would run: the first difference between what it would run with now and what was
/// recorded after its last successful run.
///
/// Produced by the up-to-date check for `stask explain` and `stask build --dry-run`, so both say exactly
/// what the build decides. The cases are checked in this order and the first one that applies is the
/// reason: ``always``, ``neverBuilt``, ``lastRunFailed``, then a change of the action key, itemised by
/// comparing the recorded ``ActionKeyInputs`` with the current ones (variables, commands, environment,
/// working directory, inputs, declared outputs), then a discovered input (from the last run's depfile) that
/// changed or is gone, then a missing or modified output, and last
/// ``dependencyWillRebuild(id:)``: a dependency will run, so this instance runs after it unless the
/// dependency's outputs come out byte-identical (early cutoff).
package enum RebuildReason: Sendable, Hashable, CustomStringConvertible {
    /// The task has `always: true`.
    case always
    /// No successful run of the instance is recorded.
    case neverBuilt
    /// A run was recorded, but a later run failed, which invalidated it.
    case lastRunFailed
    /// A var the task's templates use has a new value (`old`, `new` are the values).
    case variableChanged(name: String, old: String, new: String)
    /// Command `index` (0-based) differs; `old` is `nil` for an added command, `new` for a removed one.
    case commandChanged(index: Int, old: String?, new: String?)
    /// An environment variable stask adds changed; `nil` when absent on that side.
    case environmentChanged(name: String, old: String?, new: String?)
    /// The commands' working directory changed.
    case directoryChanged(old: String, new: String)
    /// An input exists now that did not when the instance last ran (a new glob match, a created file).
    case inputAppeared(path: String)
    /// An input that existed when the instance last ran is gone.
    case inputDisappeared(path: String)
    /// An input's contents changed.
    case inputChanged(path: String, old: ContentDigest, new: ContentDigest)
    /// The list of declared outputs changed.
    case declaredOutputsChanged(old: [String], new: [String])
    /// A file the last run's depfile listed has other contents now.
    case discoveredInputChanged(path: String, old: ContentDigest, new: ContentDigest)
    /// A file the last run's depfile listed no longer exists (never an error: its `#include` may be gone
    /// too).
    case discoveredInputDisappeared(path: String)
    /// The action key differs but the recorded key inputs do not say how (a record from an older
    /// version of the key).
    case actionKeyChanged
    /// A declared output does not exist (or is not a regular file).
    case outputMissing(path: String)
    /// A declared output exists with other contents than the last run left (`old` is the recorded
    /// digest).
    case outputModified(path: String, old: ContentDigest, new: ContentDigest)
    /// A dependency will run first (named by its instance id).
    case dependencyWillRebuild(id: String)

    /// The kind as a stable `snake_case` word, for JSON: `never_built`, `input_changed`, …
    package var kind: String {
        switch self {
        case .always: "always"
        case .neverBuilt: "never_built"
        case .lastRunFailed: "last_run_failed"
        case .variableChanged: "variable_changed"
        case .commandChanged: "command_changed"
        case .environmentChanged: "environment_changed"
        case .directoryChanged: "directory_changed"
        case .inputAppeared: "input_appeared"
        case .inputDisappeared: "input_disappeared"
        case .inputChanged: "input_changed"
        case .declaredOutputsChanged: "declared_outputs_changed"
        case .discoveredInputChanged: "discovered_input_changed"
        case .discoveredInputDisappeared: "discovered_input_disappeared"
        case .actionKeyChanged: "action_key_changed"
        case .outputMissing: "output_missing"
        case .outputModified: "output_modified"
        case .dependencyWillRebuild: "dependency_will_rebuild"
        }
    }

    /// One line: `input 'src/a.c' changed (3f2a9c01 → 88b1e0d4)`, `variable 'CFLAGS' changed: '-O2' →
    /// '-O0'`, `command 1 changed: cc -[-O2-]{+O0+} -c a.c` (1-based, the changed part marked as
    /// `[-removed-]{+added+}` with a little context), `dependency 'compile[a.c]' will rebuild`.
    package var description: String {
        switch self {
        case .always: "always runs (always: true)"
        case .neverBuilt: "never built"
        case .lastRunFailed: "its last run failed"
        case .variableChanged(let name, let old, let new): "variable '\(name)' changed: '\(old)' → '\(new)'"
        case .commandChanged(let index, let old?, let new?):
            "command \(index + 1) changed: \(Self.shortDiff(old, new))"
        case .commandChanged(let index, nil, let new?): "command \(index + 1) added: \(new)"
        case .commandChanged(let index, let old?, nil): "command \(index + 1) removed: \(old)"
        case .commandChanged(let index, nil, nil): "command \(index + 1) changed"
        case .environmentChanged(let name, let old?, let new?):
            "environment variable '\(name)' changed: '\(old)' → '\(new)'"
        case .environmentChanged(let name, nil, let new?): "environment variable '\(name)' added: '\(new)'"
        case .environmentChanged(let name, let old?, nil): "environment variable '\(name)' removed (was '\(old)')"
        case .environmentChanged(let name, nil, nil): "environment variable '\(name)' changed"
        case .directoryChanged(let old, let new): "working directory changed: '\(old)' → '\(new)'"
        case .inputAppeared(let path): "input '\(path)' appeared"
        case .inputDisappeared(let path): "input '\(path)' disappeared"
        case .inputChanged(let path, let old, let new):
            "input '\(path)' changed (\(Self.prefix(old)) → \(Self.prefix(new)))"
        case .declaredOutputsChanged(let old, let new):
            "declared outputs changed: [\(old.joined(separator: ", "))] → [\(new.joined(separator: ", "))]"
        case .discoveredInputChanged(let path, let old, let new):
            "discovered input '\(path)' changed (\(Self.prefix(old)) → \(Self.prefix(new)))"
        case .discoveredInputDisappeared(let path): "discovered input '\(path)' no longer exists"
        case .actionKeyChanged: "its action key changed"
        case .outputMissing(let path): "output '\(path)' is missing"
        case .outputModified(let path, let old, let new):
            "output '\(path)' was modified (\(Self.prefix(old)) → \(Self.prefix(new)))"
        case .dependencyWillRebuild(let id): "dependency '\(id)' will rebuild"
        }
    }

    /// The first 8 hex digits of a digest, enough to tell two apart by eye.
    static func prefix(_ digest: ContentDigest) -> String {
        String(digest.description.prefix(8))
    }

    /// `common[-old-]{+new+}common`, the common prefix and suffix cut to `context` characters each.
    static func shortDiff(_ old: String, _ new: String, context: Int = 20) -> String {
        let oldCharacters = Array(old)
        let newCharacters = Array(new)
        var start = 0
        while start < oldCharacters.count, start < newCharacters.count, oldCharacters[start] == newCharacters[start] {
            start += 1
        }
        var oldEnd = oldCharacters.count
        var newEnd = newCharacters.count
        while oldEnd > start, newEnd > start, oldCharacters[oldEnd - 1] == newCharacters[newEnd - 1] {
            oldEnd -= 1
            newEnd -= 1
        }
        var text =
            start > context ? "…" + String(oldCharacters[(start - context)..<start]) : String(oldCharacters[..<start])
        if oldEnd > start { text += "[-" + String(oldCharacters[start..<oldEnd]) + "-]" }
        if newEnd > start { text += "{+" + String(newCharacters[start..<newEnd]) + "+}" }
        let suffix = oldCharacters[oldEnd...]
        text += suffix.count > context ? String(suffix.prefix(context)) + "…" : String(suffix)
        return text
    }
}
