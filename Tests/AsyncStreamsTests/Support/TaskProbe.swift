import Testing

/// Records task starts and ends from inside task bodies: running count, peak concurrency, order.
actor TaskProbe {
    private(set) var running: Set<String> = []
    private(set) var peak = 0
    private(set) var starts: [String] = []
    private(set) var ends: [String] = []

    func start(_ key: String) {
        running.insert(key)
        starts.append(key)
        peak = max(peak, running.count)
    }

    func end(_ key: String) {
        running.remove(key)
        ends.append(key)
    }

    /// Suspends until at least `count` ends were recorded; fails the test after ``testWaitTimeout``.
    func waitForEnds(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        await waitUntil("\(count) tasks ended (\(ends.count) so far)", sourceLocation: sourceLocation) {
            ends.count >= count
        }
    }

    /// Suspends until at least `count` starts were recorded; fails the test after ``testWaitTimeout``.
    func waitForStarts(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        await waitUntil("\(count) tasks started (\(starts.count) so far)", sourceLocation: sourceLocation) {
            starts.count >= count
        }
    }
}
