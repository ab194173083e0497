/// The framing between stask and its helper program (`stask-remote`): each message on the pipe is one frame.
///
/// Layout, all integers big-endian:
///
/// | bytes | field |
/// |---|---|
/// | 4 | length of what follows (8 + body), at most ``maximumLength`` |
/// | 8 | request id: chosen by the requester and echoed in the reply; 0 in a message nobody asked for |
/// | n | body, opaque here (the messages of `HelperMessage` in StaskRemote) |
///
/// Written by hand rather than taken from a library: the helper exists to keep gRPC, protobuf and NIO out of
/// the `stask` binary, any messaging library would bring back some of the start-up cost it saves, and a length
/// prefix and an id are all two processes on one pipe need (ordering and integrity come with the pipe).
///
/// A frame longer than ``maximumLength`` is a protocol error: the peer is not a helper of this version, or is
/// broken, and the channel is closed.
package enum HelperFrame {
    /// One decoded frame.
    package struct Frame: Sendable, Hashable {
        /// The request id (0: unsolicited).
        package var id: UInt64
        /// The message.
        package var body: [UInt8]

        package init(id: UInt64, body: [UInt8]) {
            self.id = id
            self.body = body
        }
    }

    /// A frame longer than ``HelperFrame/maximumLength``, or shorter than its id.
    package struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        /// The length the frame claimed.
        package var length: Int

        package var description: String {
            "the helper sent a frame of \(length) bytes, which no helper of this version sends"
        }
    }

    /// The largest length field accepted (64 MiB: messages carry paths and digests, never file contents).
    package static let maximumLength = 64 << 20

    /// `body` framed with `id`.
    package static func encode(id: UInt64, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12 + body.count)
        let length = UInt32(8 + body.count)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> shift)) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: id >> shift)) }
        bytes.append(contentsOf: body)
        return bytes
    }

    /// Removes every complete frame from the front of `buffer` and returns them in order; an incomplete
    /// frame at the end stays in `buffer` for more bytes to complete it.
    ///
    /// - Throws: ``Malformed`` for a length outside 8 ... ``maximumLength``.
    /// - Complexity: O(n) in the bytes of `buffer`.
    package static func decode(_ buffer: inout [UInt8]) throws(Malformed) -> [Frame] {
        var frames: [Frame] = []
        var offset = 0
        while buffer.count - offset >= 4 {
            var length = 0
            for index in offset..<offset + 4 { length = length << 8 | Int(buffer[index]) }
            guard length >= 8, length <= maximumLength else { throw Malformed(length: length) }
            guard buffer.count - offset - 4 >= length else { break }
            var id: UInt64 = 0
            for index in offset + 4..<offset + 12 { id = id << 8 | UInt64(buffer[index]) }
            frames.append(Frame(id: id, body: Array(buffer[offset + 12..<offset + 4 + length])))
            offset += 4 + length
        }
        if offset > 0 { buffer.removeSubrange(0..<offset) }
        return frames
    }
}
