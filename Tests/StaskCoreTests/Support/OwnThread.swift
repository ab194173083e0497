/// Runs `body` on a thread of its own, as part of the calling task: task-locals, `#expect` and the
/// test's time limit work as usual.
///
/// For long synchronous work (thousands of cases, megabytes of YAML, thousands of records written to
/// disk). Swift Testing calls synchronous tests on the cooperative pool, which has one thread per core
/// (two on the development machine) for the whole run: a test computing there for seconds stalls every
/// other test's tasks, and the timing-sensitive tests elsewhere then exceed their limits.
func onOwnThread<Value, Failure: Error>(_ body: () throws(Failure) -> Value) async throws(Failure) -> Value {
    let executor = ThreadExecutor()
    defer { executor.stop() }
    // `@concurrent`: a nonisolated(nonsending) closure (the default here) would run where the caller
    // runs, on the pool, ignoring the preference.
    return try await withTaskExecutorPreference(executor) { @concurrent () async throws(Failure) -> Value in
        precondition(ThreadExecutor.currentThread == executor.thread, "not on the test's own thread")
        return try body()
    }
}
