import StaskCore

/// Sample build-state values for the State tests.
enum StateSamples {
    /// A successful run of `id` with every field filled in; `seed` varies the contents.
    static func run(_ id: String, seed: Int = 0, wall: Duration = .milliseconds(120)) -> SuccessfulRun {
        let input = ContentHasher.digest(ofUTF8: "input \(id) \(seed)")
        let output = ContentHasher.digest(ofUTF8: "output \(id) \(seed)")
        let inputs = ActionKeyInputs(
            commands: ["cc -O2 -c src/\(id).c -o build/\(id).o", "echo 'ünïcødé \(seed)'"],
            directory: "/project",
            environment: ["LC_ALL": "C", "SEED": "\(seed)"],
            variables: ["CC": "cc", "CFLAGS": "-O2 -Wall"],
            inputDigests: ["src/\(id).c": input, "include/common.h": ContentHasher.digest(ofUTF8: "h")],
            outputPaths: ["build/\(id).o"])
        return SuccessfulRun(
            id: id, outputDigests: ["build/\(id).o": output], wallTime: wall, cpuTime: .milliseconds(90),
            keyInputs: inputs)
    }

    /// A stat-cache entry for `path`.
    static func statEntry(_ path: String, inode: UInt64) -> FileDigestCache.Entry {
        FileDigestCache.Entry(
            metadata: FileMetadata(
                kind: .regularFile, size: 1234, device: 2049, inode: inode, modificationTime: 1_700_000_000_123_456_789,
                changeTime: -5, mode: 0o755),
            digest: ContentHasher.digest(ofUTF8: path), recordedTime: 1_700_000_100_000_000_000)
    }
}
