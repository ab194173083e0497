import Synchronization
import Testing

@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

/// ``HelperChannel`` with real processes. `/bin/cat` is a perfect echo helper: it sends every frame back
/// unchanged, so each request's reply is its own body, under its own id.
@Suite(.timeLimit(.minutes(1)))
struct HelperChannelTests {
    @Test func repliesFindTheirRequests() async throws {
        let channel = try HelperChannel.start(executable: "/bin/cat", arguments: [], onMessage: { _ in })
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let body = Array("request \(index)".utf8) + Array(repeating: UInt8(index), count: index * 1000)
                    let reply = await channel.request(body, timeout: .seconds(30))
                    #expect(reply == .success(body))
                }
            }
        }
        channel.close()
    }

    @Test func aMissingHelperCannotStart() {
        #expect(throws: HelperChannelFailure.cannotStart(path: "/nonexistent/stask-remote", errno: ENOENT)) {
            try HelperChannel.start(executable: "/nonexistent/stask-remote", arguments: [], onMessage: { _ in })
        }
    }

    @Test func aHelperThatExitsFailsItsRequests() async throws {
        let channel = try HelperChannel.start(
            executable: "/bin/sh", arguments: ["-c", "exit 3"], onMessage: { _ in })
        let reply = await channel.request([1], timeout: .seconds(30))
        guard case .failure(.exited) = reply else {
            Issue.record("expected the helper to have exited: \(reply)")
            return
        }
        #expect(await channel.request([2], timeout: .seconds(30)) == reply, "the failure is final")
    }

    @Test func aHelperThatNeverAnswersIsStoppedAtTheDeadline() async throws {
        let channel = try HelperChannel.start(
            executable: "/bin/sh", arguments: ["-c", "cat >/dev/null"], onMessage: { _ in })
        let reply = await channel.request([1], timeout: .milliseconds(100))
        #expect(reply == .failure(.unresponsive(.milliseconds(100))))
        #expect(await channel.request([2], timeout: .seconds(30)) == reply)
    }

    @Test func aCancelledRequestReturnsAtOnce() async throws {
        let channel = try HelperChannel.start(
            executable: "/bin/sh", arguments: ["-c", "cat >/dev/null"], onMessage: { _ in })
        let request = Task { await channel.request([1], timeout: .seconds(600)) }
        request.cancel()
        #expect(await request.value == .failure(.cancelled))
        channel.close()
    }

    @Test func unsolicitedFramesGoToTheMessageHandlerBeforeLaterReplies() async throws {
        // The helper sends one frame with id 0, then echoes.
        let unsolicited = HelperFrame.encode(id: 0, body: Array("warning".utf8))
        let octal = unsolicited.map { byte in
            let digits = String(byte, radix: 8)
            return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
        }.joined()
        let messages = MessageLog()
        let channel = try HelperChannel.start(
            executable: "/bin/sh", arguments: ["-c", "printf '\(octal)'; exec cat"],
            onMessage: { messages.append($0) })
        #expect(await channel.request([1], timeout: .seconds(30)) == .success([1]))
        #expect(messages.all == [Array("warning".utf8)])
        channel.close()
    }
}

/// Bodies a channel's message handler received.
final class MessageLog: Sendable {
    private let messages = Mutex<[[UInt8]]>([])

    func append(_ message: [UInt8]) {
        messages.withLock { $0.append(message) }
    }

    var all: [[UInt8]] { messages.withLock { $0 } }
}
