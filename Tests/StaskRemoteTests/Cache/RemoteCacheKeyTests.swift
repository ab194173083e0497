import Testing

@testable import StaskCore
@testable import StaskRemote

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct RemoteCacheKeyTests {
    static let actionKey = ContentDigest(high: 0x0102_0304_0506_0708, low: 0x1112_1314_1516_1718)

    /// Worked out independently: `sha256("stask.remote-cache.action.v1\0Linux x86_64\0" + LE(high) + LE(low))`.
    @Test func isTheDocumentedSHA256() throws {
        let key = RemoteCacheKey.digest(actionKey: Self.actionKey, platform: "Linux x86_64")
        #expect(key.description == "a79d09a186e413b9a63dfcbf0ae35413c621477e84cc72f3aade410f9fa73afa")
    }

    @Test func differsBetweenPlatformsAndActions() {
        let linux = RemoteCacheKey.digest(actionKey: Self.actionKey, platform: "Linux x86_64")
        #expect(linux != RemoteCacheKey.digest(actionKey: Self.actionKey, platform: "Linux aarch64"))
        #expect(linux != RemoteCacheKey.digest(actionKey: ContentDigest(high: 1, low: 2), platform: "Linux x86_64"))
    }

    @Test func platformNamesThisSystem() {
        var names = utsname()
        uname(&names)
        let system = withUnsafeBytes(of: names.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(RemotePlatform.current.hasPrefix(system + " "))
        #expect(RemotePlatform.current.split(separator: " ").count == 2)
    }
}
