/// Where a reporter writes its text: standard output in the `stask` command, a buffer in tests.
///
/// A write is one call and must not be split or interleaved with another write; implementations are
/// thread-safe.
package protocol OutputSink: Sendable {
    /// Writes `bytes` as they are.
    func write(_ bytes: [UInt8])
}

extension OutputSink {
    /// Writes `text` encoded as UTF-8.
    package func write(_ text: String) {
        write(Array(text.utf8))
    }
}
