/// What `stask explain` says about one task instance: why it would run, or that it is up to date and how
/// its inputs were checked.
///
/// ```
/// compile[src/a.c]: input 'src/a.c' changed (3f2a9c01 → 88b1e0d4)
/// link: dependency 'compile[src/a.c]' will rebuild
/// docs: up to date (1 input: 1 trusted by the stat cache, 0 re-hashed; peak memory 12 MiB)
/// ```
package struct Explanation: Sendable, Hashable {
    /// The instance id.
    package var id: String
    /// The first reason it would run; `nil` when it is up to date.
    package var reason: RebuildReason?
    /// How many inputs the instance has.
    package var inputCount: Int
    /// Inputs whose digest the stat cache vouched for without reading them.
    package var trustedInputs: Int
    /// Inputs read and hashed (new, changed, or touched). Missing inputs are in neither count.
    package var hashedInputs: Int
    /// The peak resident memory of its last successful run in bytes (its learned `mem` cost); `nil` when
    /// not measured.
    package var peakMemory: UInt64?

    /// Creates an explanation.
    package init(id: String, reason: RebuildReason?, inputCount: Int, trustedInputs: Int, hashedInputs: Int) {
        self.id = id
        self.reason = reason
        self.inputCount = inputCount
        self.trustedInputs = trustedInputs
        self.hashedInputs = hashedInputs
        self.peakMemory = nil
    }

    /// Whether the instance would not run.
    package var isUpToDate: Bool { reason == nil }

    /// The line `stask explain` prints (with its newline).
    package var text: String {
        if let reason { return "\(id): \(reason)\n" }
        let inputs = inputCount == 1 ? "1 input" : "\(inputCount) inputs"
        let memory = peakMemory.map { "; peak memory \(MemorySyntax.format(Double($0)))" } ?? ""
        return
            "\(id): up to date (\(inputs): \(trustedInputs) trusted by the stat cache, \(hashedInputs) re-hashed\(memory))\n"
    }
}
