import Yams

// MARK: - Keys that are aliases

extension TaskfileReader {
    /// Refuses mapping keys that are aliases or collections before Yams composes the document.
    ///
    /// Yams hashes every mapping key to find duplicates while it composes, and an alias key is hashed in
    /// its full expansion: a key naming nested aliases of aliases takes time exponential in the file's
    /// size. So when the text may hold aliases (it contains both `&` and `*`), a copy in which each
    /// alias is a plain scalar (`*a` becomes `xa`, so every position stays the same) is composed first
    /// and its keys are checked: each must be a scalar that is not an alias in the real text. Such keys
    /// are refused anyway (the model has only plain keys); this only refuses them in time.
    ///
    /// - Throws: `TaskfileError.wrongType` (a complex or alias key), `.invalidYAML` (the copy does not
    ///   compose; its errors are those of the real text, positions included).
    func refuseAliasKeys() throws(TaskfileError) {
        let utf8 = source.text.utf8
        guard utf8.contains(UInt8(ascii: "&")), utf8.contains(UInt8(ascii: "*")) else { return }
        var bytes = Array(utf8)
        for index in bytes.indices.dropLast()
        where bytes[index] == UInt8(ascii: "*") && Self.isAnchorByte(bytes[index + 1]) {
            bytes[index] = UInt8(ascii: "x")
        }
        let root: YAMLNode?
        do {
            root = try YAMLNode.composedByYams(
                String(decoding: bytes, as: UTF8.self), resolver: resolver,
                tagsPlainScalarsByHand: tagsPlainScalarsByHand)
        } catch let error as YamlError {
            if case .duplicatedKeysInMapping(_, let context) = error {
                let first = source.location(line: context.mark.line, column: context.mark.column)
                if source.startsWithAlias(at: first) {
                    throw .invalidYAML(first, problem: "an alias cannot be a mapping key")
                }
            }
            throw translate(error)
        } catch {
            throw .invalidYAML(source.location(line: 1, column: 1), problem: "\(error)")
        }
        if let root { try checkKeys(of: root, context: "Taskfile") }
    }

    private func checkKeys(of node: YAMLNode, context: String) throws(TaskfileError) {
        switch node.kind {
        case .mapping:
            let children = node.children
            for index in stride(from: 0, to: children.count, by: 2) {
                let key = children[index]
                let value = children[index + 1]
                guard key.kind == .scalar else {
                    throw .wrongType(
                        location(of: key), key: context, expected: "a mapping with plain keys", found: "a complex key")
                }
                if source.startsWithAlias(at: location(of: key)) {
                    throw .wrongType(
                        location(of: key), key: context, expected: "a mapping with plain keys", found: "an alias")
                }
                try checkKeys(of: value, context: key.string)
            }
        case .sequence:
            for item in node.children { try checkKeys(of: item, context: context) }
        case .scalar, .alias:
            break
        }
    }

    /// The characters of an anchor or alias name, as libyaml reads them: `[0-9A-Za-z_-]`.
    private static func isAnchorByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
