/// A `{{…}}` placeholder in a Taskfile string.
///
/// Built-in names are lower case; any other name refers to a var. In `run` commands, placeholders that
/// expand to paths (``item``, ``stem``, ``name``, ``dir``, ``input``, ``output``, ``inputs``,
/// ``outputs``, ``items``, ``junit``) are shell-quoted; ``variable(_:)``, ``shard`` and ``shards``
/// are inserted as written.
package enum Placeholder: Sendable, Hashable, CustomStringConvertible {
    /// `{{NAME}}`: the value of the var `NAME`, inserted verbatim (vars hold flags).
    case variable(String)
    /// `{{item}}`: the `foreach` match of this instance.
    case item
    /// `{{stem}}`: the item's file name without its last extension (`src/a.tar.gz` → `a.tar`).
    case stem
    /// `{{name}}`: the item's file name (`src/a.c` → `a.c`).
    case name
    /// `{{dir}}`: the item's directory (`src/a.c` → `src`; `a.c` → `.`).
    case dir
    /// `{{input}}`: the first input.
    case input
    /// `{{output}}`: the first output.
    case output
    /// `{{inputs}}`: every input named by `inputs:`, space-separated.
    case inputs
    /// `{{outputs}}`: every output, space-separated.
    case outputs
    /// `{{items}}`: the items of this shard (or this instance's single item), space-separated.
    case items
    /// `{{shard}}`: the 0-based shard index.
    case shard
    /// `{{shards}}`: the number of shards.
    case shards
    /// `{{junit}}`: a per-instance path under `.stask/junit/` where the command may write JUnit XML.
    case junit

    /// The built-in placeholders by name.
    static let builtIns: [String: Placeholder] = [
        "item": .item, "stem": .stem, "name": .name, "dir": .dir, "input": .input, "output": .output,
        "inputs": .inputs, "outputs": .outputs, "items": .items, "shard": .shard, "shards": .shards,
        "junit": .junit,
    ]

    /// The name written between the braces.
    package var name: String {
        switch self {
        case .variable(let name): name
        case .item: "item"
        case .stem: "stem"
        case .name: "name"
        case .dir: "dir"
        case .input: "input"
        case .output: "output"
        case .inputs: "inputs"
        case .outputs: "outputs"
        case .items: "items"
        case .shard: "shard"
        case .shards: "shards"
        case .junit: "junit"
        }
    }

    /// `{{name}}`.
    package var description: String { "{{\(name)}}" }

    /// Whether the placeholder derives from the `foreach` item (`item`, `stem`, `name`, `dir`).
    package var isItemDerived: Bool {
        switch self {
        case .item, .stem, .name, .dir: true
        default: false
        }
    }

    /// Whether the placeholder expands to one or more paths, and is therefore shell-quoted in commands.
    package var isPath: Bool {
        switch self {
        case .variable, .shard, .shards: false
        default: true
        }
    }
}
