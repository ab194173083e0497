import Glibc

/// A self-pipe that wakes a thread sleeping in `poll`: the thread polls ``readDescriptor``, anyone calls
/// ``wake()``, the thread ``drain()``s it. Both ends are non-blocking and close-on-exec, and stay open as
/// long as the pipe lives, so a late ``wake()`` never writes to a descriptor number reused meanwhile.
final class WakePipe: Sendable {
    /// What the sleeping thread polls for `POLLIN`.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    /// A new pipe, or `nil` when none can be created (`errno` says why).
    init?() {
        guard let pipe = SystemCalls.makeOutputPipe() else { return nil }  // its read end is non-blocking
        _ = fcntl(pipe.write, F_SETFL, O_NONBLOCK)
        readDescriptor = pipe.read
        writeDescriptor = pipe.write
    }

    deinit {
        SystemCalls.closeDescriptor(readDescriptor)
        SystemCalls.closeDescriptor(writeDescriptor)
    }

    /// Makes ``readDescriptor`` readable; a full pipe is already readable, so a failed write loses nothing.
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Reads every pending wake-up; a short read means the pipe is empty.
    func drain() {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let size = MemoryLayout.size(ofValue: buffer)
        while withUnsafeMutableBytes(of: &buffer, { read(readDescriptor, $0.baseAddress, size) }) == size {}
    }
}
