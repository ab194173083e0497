package import StaskCore

/// The action cache key of a task instance: the `<key>` in `/ac/<key>`.
///
/// `SHA-256("stask.remote-cache.action.v1" ‖ 0x00 ‖ platform ‖ 0x00 ‖ high ‖ low)`, where `high` and
/// `low` are the halves of the instance's XXH3-128 action key as 8 little-endian bytes each, written as 64
/// lowercase hex digits (the form servers such as bazel-remote require). The domain names the manifest
/// format, so a new format never reads old entries; the platform (``RemoteCacheConfiguration/platform``)
/// keeps different systems apart.
///
/// **What makes keys match across machines.** The action key hashes the expanded commands, the Taskfile
/// and task `env`, the working directory *relative to the project*, the project-relative input paths with
/// their content digests, and the project-relative output paths (``ActionKeyInputs``). No absolute
/// directory goes in, so two checkouts in different places share entries. What still differs, and
/// rightly prevents sharing: an input outside the project named by an absolute path that differs
/// between machines, a variable holding a machine-specific value (`{{HOME}}` set by hand). What is *not*
/// in the key and so must be the same on every machine sharing a cache: the inherited environment
/// (`PATH`, `CC` from the shell) and the versions of the tools the commands run; put what matters into
/// `vars` or `env` (for example `env: {CC_VERSION: "13.2"}`), as with any content-addressed cache.
package enum RemoteCacheKey {
    package static let domain = "stask.remote-cache.action.v1"

    /// The key of `actionKey` on `platform`.
    package static func digest(actionKey: ContentDigest, platform: String) -> SHA256Digest {
        var bytes = Array(domain.utf8)
        bytes.append(0)
        bytes.append(contentsOf: platform.utf8)
        bytes.append(0)
        withUnsafeBytes(of: actionKey.high.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: actionKey.low.littleEndian) { bytes.append(contentsOf: $0) }
        return SHA256Hasher.digest(of: bytes)
    }
}
