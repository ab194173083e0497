/// The per-instance values placeholders expand to.
struct ExpansionContext {
    /// The instance's id, for error messages.
    var instance: String
    /// The item `{{item}}`, `{{stem}}`, `{{name}}`, `{{dir}}` derive from.
    var item: String?
    /// `{{items}}`.
    var items: [String] = []
    /// `{{shard}}`, `{{shards}}`.
    var shard: TaskInstance.ShardPosition?
    /// `{{input}}`, `{{inputs}}`: the matches of `inputs:`.
    var inputs: [String] = []
    /// `{{output}}`, `{{outputs}}`.
    var outputs: [String] = []
    /// `{{junit}}`.
    var junit: String?
    /// The working directory paths in commands and environment values are made relative to.
    var directory: String = "."
}

/// Expands ``Template``s for task instances.
///
/// Modes: in commands, path placeholders are made relative to the working directory and shell-quoted,
/// and one that would start with `-` gets `./` in front (vars and shard numbers are inserted as written); in input patterns, item-derived values are glob
/// escaped so a file named `a[1].c` matches itself; in output paths and `dir`, values are inserted as
/// they are; in environment values, paths are made relative to the working directory, unquoted.
struct TemplateExpander {
    enum Mode {
        case command, inputPattern, path, environment

        /// The key such templates are written under, for messages.
        var key: String {
            switch self {
            case .command: "run"
            case .inputPattern: "inputs"
            case .path: "outputs"
            case .environment: "env"
            }
        }
    }

    /// The most bytes all the expansions of one graph may produce together: 512 MiB.
    ///
    /// Vars are bounded when the Taskfile is read, but a command may name a large var thousands of
    /// times, in every `foreach` instance: `run: "{{A}}{{A}}…"` with a 100 kB var and 6,000 references
    /// is a 600 MB command. Past this, far above any real build's commands and paths, building the
    /// graph stops with a located error instead of exhausting memory.
    static let byteLimit = 512 << 20

    let variables: [String: String]
    private let output = ExpandedBytes()

    init(variables: [String: String]) {
        self.variables = variables
    }

    /// Expands `template`.
    ///
    /// - Throws: `TaskfileError.emptyPlaceholder` for `{{input}}`/`{{output}}` with nothing to name,
    ///   `.invalidValue` when the expansions of the graph exceed ``byteLimit``.
    func expand(_ template: Template, _ context: ExpansionContext, mode: Mode) throws(TaskfileError) -> String {
        if template.segments.count == 1, case .literal(let text) = template.segments[0] { return text }
        var result = ""
        for segment in template.segments {
            let piece: String
            switch segment {
            case .literal(let text):
                piece = text
            case .placeholder(let placeholder, let location):
                piece = try value(of: placeholder, at: location, context, mode: mode)
            }
            output.total += piece.utf8.count
            if output.total > Self.byteLimit {
                throw .invalidValue(
                    template.location, key: mode.key, value: "",
                    reason: "the commands and paths of all tasks expand to more than \(Self.byteLimit) bytes")
            }
            result += piece
        }
        return result
    }

    private func value(
        of placeholder: Placeholder, at location: SourceLocation, _ context: ExpansionContext, mode: Mode
    ) throws(TaskfileError) -> String {
        switch placeholder {
        case .variable(let name):
            return variables[name] ?? ""
        case .shard:
            return context.shard.map { String($0.index) } ?? ""
        case .shards:
            return context.shard.map { String($0.count) } ?? ""
        case .item:
            return path(context.item ?? "", context, mode: mode)
        case .stem:
            return word(ProjectPath.stem(of: context.item ?? ""), mode: mode)
        case .name:
            return word(ProjectPath.name(of: context.item ?? ""), mode: mode)
        case .dir:
            return path(ProjectPath.directory(of: context.item ?? ""), context, mode: mode)
        case .items:
            return paths(context.items, context, mode: mode)
        case .input, .output:
            let list = placeholder == .input ? context.inputs : context.outputs
            guard let first = list.first else {
                throw .emptyPlaceholder(location, name: placeholder.name, instance: context.instance)
            }
            return path(first, context, mode: mode)
        case .inputs:
            return paths(context.inputs, context, mode: mode)
        case .outputs:
            return paths(context.outputs, context, mode: mode)
        case .junit:
            return path(context.junit ?? "", context, mode: mode)
        }
    }

    private func word(_ text: String, mode: Mode) -> String {
        switch mode {
        case .command: ShellQuoting.quoted(text)
        case .inputPattern: Glob.escaped(text)
        case .path, .environment: text
        }
    }

    private func path(_ path: String, _ context: ExpansionContext, mode: Mode) -> String {
        switch mode {
        case .command:
            // `./-rf`, not `-rf`: a path must never read as an option (`rm {{inputs}}`).
            let relative = ProjectPath.relative(path, from: context.directory)
            return ShellQuoting.quoted(relative.hasPrefix("-") ? "./" + relative : relative)
        case .environment: return ProjectPath.relative(path, from: context.directory)
        case .inputPattern: return Glob.escaped(path)
        case .path: return path
        }
    }

    private func paths(_ list: [String], _ context: ExpansionContext, mode: Mode) -> String {
        list.map { path($0, context, mode: mode) }.joined(separator: " ")
    }
}

/// The bytes a ``TemplateExpander`` has produced, shared by its copies (one graph build, one thread).
private final class ExpandedBytes {
    var total = 0
}
