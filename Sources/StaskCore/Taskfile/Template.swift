/// A Taskfile string with its `{{…}}` placeholders, parsed once when the Taskfile is loaded.
///
/// `{{NAME}}` is a placeholder (spaces inside the braces are allowed: `{{ NAME }}`); `{{{{` writes a
/// literal `{{`. A `{{` without a closing `}}`, or an empty or malformed name, is a load-time error, as
/// is a name that is neither built in (see ``Placeholder``) nor a var. Expansion happens per task
/// instance in ``GraphBuilder``.
package struct Template: Sendable, Hashable, CustomStringConvertible {
    /// A piece of a template.
    package enum Segment: Sendable, Hashable {
        /// Text copied as is.
        case literal(String)
        /// A placeholder and where it is written.
        case placeholder(Placeholder, SourceLocation)
    }

    /// The text as written in the Taskfile.
    package let text: String
    /// Where the string starts in the Taskfile.
    package let location: SourceLocation
    /// The literal text and placeholders, in order.
    package let segments: [Segment]

    /// Creates a template from already parsed segments.
    package init(text: String, location: SourceLocation, segments: [Segment]) {
        self.text = text
        self.location = location
        self.segments = segments
    }

    /// Every placeholder in order, with its location.
    package var placeholders: [(placeholder: Placeholder, location: SourceLocation)] {
        segments.compactMap {
            if case .placeholder(let placeholder, let location) = $0 { return (placeholder, location) }
            return nil
        }
    }

    /// Whether the template contains no placeholder.
    package var isLiteral: Bool { segments.allSatisfy { if case .literal = $0 { true } else { false } } }

    /// Whether any placeholder satisfies `predicate`.
    package func contains(where predicate: (Placeholder) -> Bool) -> Bool {
        placeholders.contains { predicate($0.placeholder) }
    }

    /// The text as written.
    package var description: String { text }

    /// Parses `text`, resolving placeholder locations with `locate`.
    ///
    /// - Parameters:
    ///   - text: The string value.
    ///   - location: Where the string value starts.
    ///   - locate: Maps the *n*-th occurrence of a placeholder's written form (e.g. `{{ CC }}`) to its
    ///     location; `nil` (then `location` is used) when it cannot be found, as in escaped
    ///     double-quoted strings.
    /// - Throws: `TaskfileError.malformedPlaceholder`.
    static func parse(
        _ text: String, at location: SourceLocation,
        locate: (_ written: String, _ occurrence: Int) -> SourceLocation? = { _, _ in nil }
    ) throws(TaskfileError) -> Template {
        // Most templates of a large Taskfile hold no placeholder at all: one pass over the bytes settles it.
        if !mayHoldPlaceholder(text) { return literal(text, at: location) }
        var segments: [Segment] = []
        var literal = ""
        var occurrences: [String: Int] = [:]
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            literal += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            if afterOpen.hasPrefix("{{") {
                literal += "{{"
                rest = afterOpen.dropFirst(2)
                continue
            }
            guard let close = afterOpen.firstRange(of: "}}") else {
                let written = String(rest[open.lowerBound...])
                throw .malformedPlaceholder(located(written, 0, location, locate), text: written)
            }
            let written = String(rest[open.lowerBound..<close.upperBound])
            let occurrence = occurrences[written, default: 0]
            occurrences[written] = occurrence + 1
            let placeholderLocation = located(written, occurrence, location, locate)
            let name = afterOpen[..<close.lowerBound].trimmingSpaces()
            guard Self.isValidName(name) else {
                throw .malformedPlaceholder(placeholderLocation, text: written)
            }
            if !literal.isEmpty {
                segments.append(.literal(literal))
                literal = ""
            }
            segments.append(
                .placeholder(Placeholder.builtIns[String(name)] ?? .variable(String(name)), placeholderLocation))
            rest = afterOpen[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return Template(text: text, location: location, segments: segments)
    }

    /// A template with no placeholders.
    static func literal(_ text: String, at location: SourceLocation) -> Template {
        Template(text: text, location: location, segments: text.isEmpty ? [] : [.literal(text)])
    }

    /// Whether `text` contains `{{`, without which it is a literal.
    private static func mayHoldPlaceholder(_ text: String) -> Bool {
        var previousWasBrace = false
        for byte in text.utf8 {
            let isBrace = byte == UInt8(ascii: "{")
            if isBrace && previousWasBrace { return true }
            previousWasBrace = isBrace
        }
        return false
    }

    /// Whether `name` is a valid var or placeholder name: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isValidName(_ name: some StringProtocol) -> Bool {
        guard let first = name.unicodeScalars.first, first.isNameStart else { return false }
        return name.unicodeScalars.allSatisfy { $0.isNameStart || ($0 >= "0" && $0 <= "9") }
    }

    private static func located(
        _ written: String, _ occurrence: Int, _ fallback: SourceLocation,
        _ locate: (String, Int) -> SourceLocation?
    ) -> SourceLocation {
        locate(written, occurrence) ?? fallback
    }
}

extension Unicode.Scalar {
    fileprivate var isNameStart: Bool {
        (self >= "a" && self <= "z") || (self >= "A" && self <= "Z") || self == "_"
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
