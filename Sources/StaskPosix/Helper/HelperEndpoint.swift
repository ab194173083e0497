import Glibc
import StaskCore
import Synchronization

/// The helper program's side of a ``HelperChannel``: frames arrive on standard input and replies leave on
/// standard output.
///
/// **Contract.** ``incoming`` is read by one dedicated thread (blocking reads never occupy the cooperative
/// pool) and ends when stask closes the pipe (or exits), or sends something that is not a frame. ``send(id:body:)``
/// may be called from any task: each frame is written whole, under a `Mutex` held only for that write, so
/// frames never interleave; stask's channel thread always reads, so a write waits at most for it to drain the
/// pipe. A write to a closed pipe is dropped (stask is gone; the incoming stream ends next).
package final class HelperEndpoint: Sendable {
    /// The frames stask sends, in order.
    package let incoming: AsyncStream<HelperFrame.Frame>
    private let outputDescriptor: Mutex<Int32>

    /// Reads frames from `input` and writes to `output` (standard input and output by default).
    ///
    /// SIGPIPE is ignored in the whole process: a helper outliving its parent must not die in mid-write.
    package init(input: Int32 = 0, output: Int32 = 1) {
        signal(SIGPIPE, SIG_IGN)
        outputDescriptor = Mutex(output)
        let (stream, continuation) = AsyncStream.makeStream(of: HelperFrame.Frame.self)
        incoming = stream
        let started = DedicatedThread.start {
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                received.append(contentsOf: chunk[0..<count])
                guard let frames = try? HelperFrame.decode(&received) else { break }
                for frame in frames { continuation.yield(frame) }
            }
            continuation.finish()
        }
        if !started { continuation.finish() }
    }

    /// Writes one frame: the reply to request `id`, or with id 0 a message nobody asked for.
    package func send(id: UInt64, body: [UInt8]) {
        let frame = HelperFrame.encode(id: id, body: body)
        outputDescriptor.withLock { descriptor in
            var written = 0
            while written < frame.count {
                let count = frame.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
                if count > 0 {
                    written += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// Ends the helper process at once with `status`.
    package static func exit(status: Int32) -> Never {
        Glibc.exit(status)
    }
}
