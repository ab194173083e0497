/// A problem with the test setup itself (a server that would not start, a wait past its deadline), not
/// with the code under test.
package struct HarnessError: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
