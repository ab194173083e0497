import StaskCore
import Synchronization

/// An output sink that keeps everything written to it, for reporter tests.
package final class CapturingSink: OutputSink {
    private let storage = Mutex<[[UInt8]]>([])

    package init() {}

    package func write(_ bytes: [UInt8]) {
        storage.withLock { $0.append(bytes) }
    }

    /// Everything written, as text.
    package var text: String {
        String(decoding: storage.withLock { $0.joined() }, as: UTF8.self)
    }

    /// How many separate writes happened.
    package var writeCount: Int { storage.withLock { $0.count } }
}
