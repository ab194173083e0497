import StaskTestSupport
import Testing

extension BuildGridServer {
    /// The trait of tests that need the server: skipped, with the reason, only where it cannot be installed.
    static var enabled: ConditionTrait {
        .enabled(Comment(rawValue: skipReason)) { await isInstallable() }
    }
}
