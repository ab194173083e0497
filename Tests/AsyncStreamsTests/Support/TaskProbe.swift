/// Records task starts and ends from inside task bodies: running count, peak concurrency, order.
actor TaskProbe {
    private(set) var running: Set<String> = []
    private(set) var peak = 0
    private(set) var starts: [String] = []
    private(set) var ends: [String] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var endWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func start(_ key: String) {
        running.insert(key)
        starts.append(key)
        peak = max(peak, running.count)
        let ready = waiters.filter { $0.count <= starts.count }
        waiters.removeAll { $0.count <= starts.count }
        for waiter in ready { waiter.continuation.resume() }
    }

    func end(_ key: String) {
        running.remove(key)
        ends.append(key)
        let ready = endWaiters.filter { $0.count <= ends.count }
        endWaiters.removeAll { $0.count <= ends.count }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Suspends until at least `count` ends were recorded.
    func waitForEnds(_ count: Int) async {
        if ends.count >= count { return }
        await withCheckedContinuation { endWaiters.append((count, $0)) }
    }

    /// Suspends until at least `count` starts were recorded.
    func waitForStarts(_ count: Int) async {
        if starts.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }
}
