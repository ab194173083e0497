/// A path compared and hashed by its bytes, as the kernel tells files apart.
///
/// Swift's `String` equality is canonical equivalence: `café` spelt with U+00E9 equals `cafe` followed by
/// U+0301, yet on Linux those name two different files. A table of files keyed by `String` would give the
/// second the first one's entry; keyed by `ExactPath` it keeps both.
package struct ExactPath: Hashable, Sendable {
    package let path: String

    package init(_ path: String) {
        self.path = path
    }

    package static func == (lhs: ExactPath, rhs: ExactPath) -> Bool {
        lhs.path.utf8.elementsEqual(rhs.path.utf8)
    }

    package func hash(into hasher: inout Hasher) {
        var path = path
        path.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
