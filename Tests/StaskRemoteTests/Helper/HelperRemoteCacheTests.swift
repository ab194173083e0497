import Foundation
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskRemote

/// ``HelperRemoteCache`` when its helper is missing, dies or hangs: each is one warning, and the cache is off.
/// (The helper serving a real server is tested end to end, `stask` with `stask-remote`, in StaskEndToEndTests.)
@Suite(.timeLimit(.minutes(1)))
struct HelperRemoteCacheTests {
    let project: ScratchDirectory
    let warnings = WarningLog()

    init() throws {
        project = try ScratchDirectory()
    }

    private func cache(helper: String?, replyTimeout: Duration? = nil) throws -> HelperRemoteCache {
        let warnings = warnings
        return HelperRemoteCache(
            configuration: RemoteCacheConfiguration(endpoint: try RemoteCacheEndpoint(parsing: "grpc://127.0.0.1:1")),
            helperPath: helper, environment: ["PATH": "/usr/bin:/bin"], replyTimeout: replyTimeout
        ) { warnings.append($0) }
    }

    private var action: RemoteCacheAction {
        RemoteCacheAction(
            taskID: "t", actionKey: ContentDigest(high: 1, low: 2), outputs: ["out"], projectDirectory: project.path)
    }

    /// A helper script in the scratch directory. A helper that never answers still reads its input, so that it
    /// exits when the channel closes it, as `stask-remote` does, and outlives no test.
    private func script(_ body: String) throws -> String {
        let path = project.appending("helper.sh")
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func aMissingHelperIsOneWarningAndEveryLookupAMiss() async throws {
        let cache = try cache(helper: project.appending("no-such-helper"))
        #expect(await cache.restore(action) == nil)
        await cache.store(action, wallTime: .seconds(1))
        #expect(await cache.restore(action) == nil)
        #expect(cache.isDisabled)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.kind == .unreachable)
        #expect(warnings.all.first?.message.contains("no-such-helper") == true, "\(warnings.all)")
        #expect(cache.statistics.misses == 2)
        #expect(cache.statistics.hits == 0)
    }

    @Test func aHelperThatExitsIsOneWarning() async throws {
        let cache = try cache(helper: try script("echo 'stask-remote: broken' >&2; exit 2"))
        #expect(await cache.restore(action) == nil)
        #expect(await cache.restore(action) == nil)
        #expect(cache.isDisabled)
        #expect(warnings.all.count == 1, "\(warnings.all)")
        #expect(warnings.all.first?.message.contains("continuing without the remote cache") == true)
    }

    @Test func aHelperThatNeverAnswersIsStoppedAtTheReplyDeadline() async throws {
        let cache = try cache(
            helper: try script("cat >/dev/null  # reads, never answers, keeps its output open"),
            replyTimeout: .milliseconds(200))
        #expect(await cache.restore(action) == nil)
        #expect(cache.isDisabled)
        #expect(warnings.all.count == 1, "\(warnings.all)")
        #expect(warnings.all.first?.message.contains("did not answer") == true, "\(warnings.all)")
    }

    @Test func theHelperGetsTheCredentialsInItsEnvironmentNotItsArguments() throws {
        let configuration = RemoteCacheConfiguration(
            endpoint: try RemoteCacheEndpoint(parsing: "grpc://cache:9/main"), isUploadEnabled: false,
            credentials: .bearer(token: "secret"), platform: "Linux x86_64")
        let arguments = HelperRemoteCache.arguments(for: configuration)
        #expect(!arguments.joined(separator: " ").contains("secret"))
        #expect(arguments.starts(with: ["cache", "--protocol", "\(HelperMessage.version)"]))
        #expect(arguments.contains("grpc://cache:9/main"))
        let environment = HelperRemoteCache.helperEnvironment(
            ["STASK_REMOTE_CACHE_USER": "someone", "HOME": "/root"], credentials: configuration.credentials)
        #expect(environment == ["STASK_REMOTE_CACHE_TOKEN": "secret", "HOME": "/root"])
    }
}
