import Yams

// MARK: - From Yams's nodes

extension YAMLNode {
    /// Composes `text` with Yams and converts the result, marks included.
    ///
    /// - Parameters:
    ///   - resolver: The resolver Yams composes with.
    ///   - tagsPlainScalarsByHand: Whether plain scalars take their tag from ``PlainScalarTag`` rather than
    ///     from Yams (see ``TaskfileReader/tagsPlainScalarsByHand``).
    /// - Returns: The root, or `nil` for a document with no content.
    /// - Throws: What `Yams.compose` throws (a `YamlError`).
    static func composedByYams(_ text: String, resolver: Resolver, tagsPlainScalarsByHand: Bool) throws -> YAMLNode? {
        // The parser keeps the anchors alive, which its nodes name only weakly, and an alias's node is found
        // by its anchor: the parser must outlive the conversion.
        let parser = try Parser(yaml: text, resolver: resolver)
        guard let root = try parser.singleRoot() else { return nil }
        var converter = YamsNodeConverter(tagsPlainScalarsByHand: tagsPlainScalarsByHand)
        return withExtendedLifetime(parser) { converter.convert(root) }
    }
}

extension YAMLNode.Tag {
    init(_ tag: Yams.Tag) {
        switch Yams.Tag.Name(rawValue: tag.rawValue) {
        case .str: self = .str
        case .int: self = .int
        case .float: self = .float
        case .bool: self = .bool
        case .null: self = .null
        case .merge: self = .merge
        case .timestamp: self = .timestamp
        case .value: self = .value
        case .map: self = .map
        case .seq: self = .seq
        default: self = .other
        }
    }
}

extension YAMLNode.Style {
    init(_ style: Node.Scalar.Style) {
        switch style {
        case .any: self = .any
        case .plain: self = .plain
        case .singleQuoted: self = .singleQuoted
        case .doubleQuoted: self = .doubleQuoted
        case .literal: self = .literal
        case .folded: self = .folded
        }
    }
}

/// Converts Yams's nodes, each anchored node once.
///
/// Yams composes an alias as a copy of the node it names, so a tree of nested aliases ("billion laughs")
/// holds exponentially many nodes in a few bytes; converting each anchored node once, found by its anchor
/// object, keeps the conversion linear in the text and shares the subtree as Yams shares its storage.
private struct YamsNodeConverter {
    let tagsPlainScalarsByHand: Bool
    var converted: [ObjectIdentifier: YAMLNode] = [:]

    mutating func convert(_ node: Node) -> YAMLNode {
        let anchor: Anchor? =
            switch node {
            case .scalar(let scalar): scalar.anchor
            case .mapping(let mapping): mapping.anchor
            case .sequence(let sequence): sequence.anchor
            case .alias: nil
            }
        if let anchor, let done = converted[ObjectIdentifier(anchor)] { return done }
        let line = node.mark?.line ?? 1
        let column = node.mark?.column ?? 1
        let result: YAMLNode
        switch node {
        case .scalar(let scalar):
            // Yams's tag of a plain scalar is left unresolved when tagged by hand: `Node.bool` answers nil
            // for a tag resolved as `str`, and the reader read it before anything resolved it.
            let byHand = tagsPlainScalarsByHand && scalar.style == .plain
            let tag = byHand ? PlainScalarTag.name(of: scalar.string) : YAMLNode.Tag(node.tag)
            result = YAMLNode(
                kind: .scalar, tag: tag, style: YAMLNode.Style(scalar.style), boolValue: tag == .bool ? node.bool : nil,
                string: scalar.string, line: line, column: column)
        case .mapping(let mapping):
            var children: [YAMLNode] = []
            children.reserveCapacity(2 * mapping.count)
            for (key, value) in mapping {
                children.append(convert(key))
                children.append(convert(value))
            }
            result = YAMLNode(
                kind: .mapping, tag: YAMLNode.Tag(node.tag), line: line, column: column, children: children)
        case .sequence(let sequence):
            var children: [YAMLNode] = []
            children.reserveCapacity(sequence.count)
            for item in sequence { children.append(convert(item)) }
            result = YAMLNode(
                kind: .sequence, tag: YAMLNode.Tag(node.tag), line: line, column: column, children: children)
        case .alias:
            result = YAMLNode(kind: .alias, tag: YAMLNode.Tag(node.tag), line: line, column: column)
        }
        if let anchor { converted[ObjectIdentifier(anchor)] = result }
        return result
    }
}
