/// A node of a composed YAML document: what ``TaskfileReader`` walks.
///
/// Built either by ``FastYAMLComposer`` or, for everything that composer declines, from the nodes Yams
/// composes (``YAMLNode/composedByYams(_:resolver:tagsPlainScalarsByHand:)``). Our own type because Yams's
/// `Mark` has no public initializer (a composer of our own could not make Yams nodes), and because walking
/// Yams's nodes — an enum of structs holding arrays and a tag object — copied and retained every node
/// visited: a third of the time of reading a 10,000-task Taskfile.
///
/// Aliases are resolved when composing: an alias is the node it names, shared, so a tree may share
/// subtrees (the reader's ``ExpansionBudget`` bounds the walk). Immutable once built.
final class YAMLNode: Sendable {
    enum Kind: UInt8, Sendable {
        case scalar, mapping, sequence, alias
    }

    /// How a scalar was written (Yams's `Node.Scalar.Style`).
    enum Style: UInt8, Sendable {
        case any, plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// The tag the reader goes by: for a plain scalar in a text without `!`, the one ``PlainScalarTag``
    /// gives; otherwise the one Yams resolves. Tags the reader never asks for are ``other``.
    enum Tag: UInt8, Sendable {
        case str, int, float, bool, null, merge, timestamp, value, map, seq, other
    }

    let kind: Kind
    let tag: Tag
    /// For scalars; ``Style/any`` for collections.
    let style: Style
    /// Whether a ``Tag/bool`` scalar reads as true or false, as Yams's `Node.bool` reads it (`nil` for other
    /// tags, and where Yams reads none).
    let boolValue: Bool?
    /// The text of a scalar; empty for collections.
    let string: String
    /// Where the node starts, 1-based; columns count Unicode scalars, as libyaml's marks do.
    let line: Int
    let column: Int
    /// A sequence's items; a mapping's keys and values, alternating, in file order.
    let children: [YAMLNode]

    init(
        kind: Kind, tag: Tag, style: Style = .any, boolValue: Bool? = nil, string: String = "", line: Int,
        column: Int, children: [YAMLNode] = []
    ) {
        self.kind = kind
        self.tag = tag
        self.style = style
        self.boolValue = boolValue
        self.string = string
        self.line = line
        self.column = column
        self.children = children
    }

    /// A scalar whose tag is that of its text (plain) or `str` (quoted).
    static func scalar(_ string: String, style: Style, line: Int, column: Int) -> YAMLNode {
        let tag = style == .plain ? PlainScalarTag.name(of: string) : Tag.str
        return YAMLNode(
            kind: .scalar, tag: tag, style: style, boolValue: tag == .bool ? boolValue(of: string) : nil,
            string: string, line: line, column: column)
    }

    /// How Yams reads a boolean: `true`, `yes`, `on`, `false`, `no`, `off` in any case.
    static func boolValue(of string: String) -> Bool? {
        switch string.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    /// The number of key-value pairs of a mapping.
    var pairCount: Int { children.count / 2 }
}
