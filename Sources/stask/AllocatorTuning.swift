#if canImport(Glibc)
    import Glibc
#endif

/// Process-wide settings of the C allocator, made once before anything is allocated in bulk.
enum AllocatorTuning {
    /// Allocations of this size or more get pages of their own (`mmap`), which go back to the system as soon
    /// as they are freed.
    static let mmapThreshold: Int32 = 128 * 1024

    /// Fixes glibc's `M_MMAP_THRESHOLD` at ``mmapThreshold``.
    ///
    /// glibc raises the threshold to the size of every large block it frees (up to 32 MiB), so after the first
    /// dictionary or array of a big build has grown and dropped its old storage, later large blocks come from
    /// the heap, and their freed space stays in the process's resident memory. A build grows its tables by
    /// doubling all the time, so on a 20,000-target build the fixed threshold cuts the peak resident size by
    /// about a fifth (114 MB → 91 MB measured) at no measurable cost in time. Setting the threshold explicitly
    /// also turns off that dynamic adjustment (mallopt(3)).
    static func apply() {
        #if canImport(Glibc)
            // `<malloc.h>` is not part of Swift's Glibc module, so `mallopt` is looked up by name (RTLD_DEFAULT).
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let mmapThresholdParameter: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
            guard let symbol = dlsym(nil, "mallopt") else { return }
            _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThresholdParameter, mmapThreshold)
        #endif
    }
}
