import CStaskShims

/// Hands memory the allocator holds free back to the system.
package enum FreedMemory {
    /// Calls glibc's `malloc_trim(0)`, which returns every whole free page of every arena (not only the top
    /// of the heap), where it exists; does nothing elsewhere.
    ///
    /// Why: a build frees its graph, plan and tasks, hundreds of thousands of small blocks, just before the
    /// state's compaction allocates its largest buffers. Those buffers are large enough to get pages of their
    /// own, so without this the freed small blocks would stay resident beside them and set the build's peak.
    /// Measured at 100,000 targets on an edit-one build that compacts: see docs/performance.md.
    package static func returnToSystem() {
        _ = stask_malloc_trim()
    }
}
