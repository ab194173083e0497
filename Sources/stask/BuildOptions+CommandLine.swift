import ArgumentParser
import StaskCore

extension BuildOptions {
    /// Adds the command line's words: `NAME=value` sets a variable, anything else is a target.
    ///
    /// - Throws: `ValidationError` for a variable whose name is not letters, digits and `_`.
    mutating func add(words: [String]) throws {
        for word in words {
            if let equals = word.firstIndex(of: "=") {
                let name = String(word[..<equals])
                guard Self.isVariableName(name) else {
                    throw ValidationError("'\(word)': a variable name is letters, digits and '_' (NAME=value)")
                }
                variables[name] = String(word[word.index(after: equals)...])
            } else {
                targets.append(word)
            }
        }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0)
        }
    }
}
