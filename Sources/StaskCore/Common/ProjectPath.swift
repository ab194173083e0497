/// Path arithmetic on `/`-separated strings, purely lexical (no file-system access).
///
/// Project-relative paths are normalized: no `.` components, no empty components, no trailing `/`;
/// `..` only at the start (then the path lies outside the project). The project directory itself is `.`.
package enum ProjectPath {
    /// `path` with `.`, `..` and repeated slashes resolved; `/` for the root.
    package static func normalizedAbsolute(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                _ = parts.popLast()
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `path` made absolute against `base` (an absolute directory) and normalized.
    package static func absolute(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? normalizedAbsolute(path) : normalizedAbsolute(base + "/" + path)
    }

    /// `directory/name` for an absolute directory.
    package static func join(_ directory: String, _ name: String) -> String {
        directory == "/" ? "/" + name : directory + "/" + name
    }

    /// The directory holding an absolute path (`/` for `/x`).
    package static func parent(ofAbsolute path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// `path` (absolute, normalized) relative to `ancestor` when it lies below it, else `nil`.
    package static func relative(_ path: String, toAncestor ancestor: String) -> String? {
        if path == ancestor { return "." }
        if ancestor == "/" { return String(path.dropFirst()) }
        guard path.hasPrefix(ancestor + "/") else { return nil }
        return String(path.dropFirst(ancestor.count + 1))
    }

    /// A relative path with `.`, `..` and repeated slashes resolved; leading `..` are kept; `.` when empty.
    package static func normalizedRelative(_ path: some StringProtocol) -> String {
        if isNormalizedRelative(path) { return String(path) }
        var parts: [Substring] = []
        var ups = 0
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            let part = Substring(part)
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { ups += 1 } else { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        let all = Array(repeating: Substring(".."), count: ups) + parts
        return all.isEmpty ? "." : all.joined(separator: "/")
    }

    /// Whether `path` is already a normalized relative path: not empty, no leading or trailing `/`, no
    /// empty, `.` or `..` component.
    private static func isNormalizedRelative(_ path: some StringProtocol) -> Bool {
        var componentLength = 0
        var dots = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if componentLength == 0 || componentLength == dots { return false }
                componentLength = 0
                dots = 0
            } else {
                componentLength += 1
                if byte == UInt8(ascii: ".") && dots == componentLength - 1 { dots += 1 }
            }
        }
        return componentLength > 0 && !(componentLength == dots && dots <= 2)
    }

    /// A path written in a Taskfile, resolved against the project directory `project` (absolute):
    /// project-relative and normalized when inside, absolute when `path` is absolute and outside, and
    /// relative with leading `..` when relative and outside.
    package static func resolve(_ path: String, project: String) -> String {
        if path.hasPrefix("/") {
            let absolute = normalizedAbsolute(path)
            return relative(absolute, toAncestor: project) ?? absolute
        }
        return normalizedRelative(path)
    }

    /// Whether a resolved path lies inside the project (neither absolute nor starting with `..`).
    package static func isInside(_ path: String) -> Bool {
        !(path.hasPrefix("/") || path == ".." || path.hasPrefix("../"))
    }

    /// Whether a resolved, inside path lies in stask's state directory `.stask`.
    package static func isInStateDirectory(_ path: String) -> Bool {
        path == ".stask" || path.hasPrefix(".stask/")
    }

    /// The directory part of a project-relative path (`.` when none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    package static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The file name without its last extension; a name whose only dot is the first character
    /// (`.bashrc`) keeps it.
    package static func stem(of path: String) -> String {
        let name = name(of: path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// `path` (project-relative or absolute) as seen from the project-relative directory `directory`:
    /// `build/a.o` from `sub` is `../build/a.o`. Absolute paths are returned unchanged.
    package static func relative(_ path: String, from directory: String) -> String {
        if directory == "." || path.hasPrefix("/") { return path }
        let from = directory.split(separator: "/")
        let to = path == "." ? [] : path.split(separator: "/")
        var common = 0
        while common < from.count && common < to.count && from[common] == to[common] { common += 1 }
        let parts = Array(repeating: Substring(".."), count: from.count - common) + to[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// A resolved path (see ``resolve(_:project:)``) made absolute.
    package static func absolute(_ path: String, project: String) -> String {
        if path.hasPrefix("/") { return path }
        if path == "." { return project }
        if path.hasPrefix("..") { return absolute(path, base: project) }
        return join(project, path)
    }

    /// Byte-wise (UTF-8) order, the order of every sorted path list stask produces.
    package static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        // Sorting 100,000 paths compares some two million pairs: native strings are compared in place, eight
        // bytes at a time (read big-endian, so that integer order is byte order).
        let inPlace = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                let count = min(left.count, right.count)
                var index = 0
                if count >= 8 {
                    let leftBytes = UnsafeRawPointer(left.baseAddress!)
                    let rightBytes = UnsafeRawPointer(right.baseAddress!)
                    while index + 8 <= count {
                        let a = UInt64(bigEndian: leftBytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                        let b = UInt64(bigEndian: rightBytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                        if a != b { return a < b }
                        index += 8
                    }
                }
                while index < count {
                    if left[index] != right[index] { return left[index] < right[index] }
                    index += 1
                }
                return left.count < right.count
            }
        }
        if let inPlace, let result = inPlace { return result }
        return lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
