import StaskCore
import Synchronization

/// An output sink that keeps everything written to it, for reporter tests.
final class CapturingSink: OutputSink {
    private let storage = Mutex<[[UInt8]]>([])

    func write(_ bytes: [UInt8]) {
        storage.withLock { $0.append(bytes) }
    }

    /// Everything written, as text.
    var text: String {
        String(decoding: storage.withLock { $0.joined() }, as: UTF8.self)
    }

    /// How many separate writes happened.
    var writeCount: Int { storage.withLock { $0.count } }
}
