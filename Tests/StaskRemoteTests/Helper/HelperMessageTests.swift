import Testing

@testable import StaskCore
@testable import StaskRemote

@Suite struct HelperMessageTests {
    static let action = RemoteCacheAction(
        taskID: "compile[src/a b.c]", actionKey: ContentDigest(high: .max, low: 7),
        outputs: ["build/a.o", "build/a.d"],
        projectDirectory: "/work/project", outputDigests: ["build/a.o": ContentDigest(high: 1, low: 2)])

    static var statistics: RemoteCacheStatistics {
        var statistics = RemoteCacheStatistics()
        statistics.hits = 3
        statistics.misses = 4
        statistics.bytesDownloaded = 5_000_000_000
        statistics.bytesUploaded = 6
        statistics.errors = 1
        statistics.uploads = 2
        return statistics
    }

    static var executionStatistics: RemoteExecutionStatistics {
        var statistics = RemoteExecutionStatistics()
        statistics.executed = 1
        statistics.cached = 2
        statistics.local = 3
        statistics.errors = 4
        statistics.bytesUploaded = 5_000_000_000
        statistics.bytesDownloaded = 6
        return statistics
    }

    @Test(arguments: [
        HelperMessage.Request.restore(action),
        .restore(
            RemoteCacheAction(taskID: "", actionKey: ContentDigest(high: 0, low: 0), outputs: [], projectDirectory: "")),
        .store(action, wallTime: .milliseconds(1234)),
        .execute(
            RemoteExecutionRequest(
                taskID: "cc[a.c]", arguments: ["/bin/sh", "-c", "cc -c a.c"], environment: ["PATH": "/bin", "A": "é"],
                inputs: ["a.c", "include/a.h"], outputs: ["a.o", "a.d"], projectDirectory: "/p",
                timeout: .milliseconds(1500), skipsCache: true)),
        .execute(
            RemoteExecutionRequest(
                taskID: "", arguments: [], environment: [:], inputs: [], outputs: [], projectDirectory: "")),
    ])
    func requestsRoundTrip(request: HelperMessage.Request) throws {
        #expect(try HelperMessage.Request(decoding: request.encoded()) == request)
    }

    @Test func anActionWithoutOutputDigestsStaysWithout() throws {
        var action = Self.action
        action.outputDigests = nil
        #expect(
            try HelperMessage.Request(decoding: HelperMessage.Request.restore(action).encoded()) == .restore(action))
    }

    @Test(arguments: [
        HelperMessage.Reply.restored(nil, statistics),
        .restored(
            RestoredOutputs(
                outputDigests: ["build/a.o": ContentDigest(high: 9, low: 8)], wallTime: .seconds(2), byteCount: 10),
            statistics),
        .restored(RestoredOutputs(outputDigests: [:], wallTime: nil, byteCount: 0), RemoteCacheStatistics()),
        .stored(statistics),
        .warning(RemoteCacheWarning(kind: .corruptBlob, endpoint: "grpc://h:1", message: "bad")),
        .failed("no"),
        .executed(
            .completed(
                RemoteCompletion(
                    exitCode: -1, output: Array("out\nerr\n".utf8), isCached: true, workerTime: .milliseconds(20))),
            executionStatistics),
        .executed(.completed(RemoteCompletion(exitCode: nil, output: [], isCached: false)), executionStatistics),
        .executed(.unavailable("cannot connect"), RemoteExecutionStatistics()),
        .executed(.cancelled, RemoteExecutionStatistics()),
    ])
    func repliesRoundTrip(reply: HelperMessage.Reply) throws {
        #expect(try HelperMessage.Reply(decoding: reply.encoded()) == reply)
    }

    @Test func everyWarningKindSurvives() throws {
        for kind in RemoteCacheWarning.Kind.allCases {
            let reply = HelperMessage.Reply.warning(RemoteCacheWarning(kind: kind, endpoint: "e", message: "m"))
            #expect(try HelperMessage.Reply(decoding: reply.encoded()) == reply)
        }
    }

    @Test(arguments: [[8, 99] as [UInt8], [0xff], []])
    func anUnknownOrMalformedRequestIsAnError(bytes: [UInt8]) {
        #expect(throws: HelperMessageError.self) { try HelperMessage.Request(decoding: bytes) }
    }
}
