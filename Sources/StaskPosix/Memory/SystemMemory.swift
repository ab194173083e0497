/// What the machine's memory is.
package enum SystemMemory {
    /// The memory available for new work, in bytes: `MemAvailable` of `/proc/meminfo` (free memory plus the
    /// page cache and reclaimable slabs that can be given up without swapping), lowered to the headroom
    /// under the memory limit of stask's cgroup (version 2) when one is set and smaller: the limit less the
    /// cgroup's working set (its usage less the inactive page cache, which the kernel reclaims first, as
    /// container runtimes count it), at least 64 MiB; `nil` when nothing can be read.
    package static func available(
        meminfo: String = "/proc/meminfo", cgroupLimit: String = "/sys/fs/cgroup/memory.max",
        cgroupUsage: String = "/sys/fs/cgroup/memory.current", cgroupStat: String = "/sys/fs/cgroup/memory.stat"
    ) -> Double? {
        var available: Double?
        if let text = readSmallFile(meminfo) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let words = line.split(separator: " ")
                if words.count >= 2, let kibibytes = Double(words[1]) { available = kibibytes * 1024 }
            }
        }
        if let limitText = readSmallFile(cgroupLimit), let limit = Double(limitText.trimmingNewlines()),
            let usageText = readSmallFile(cgroupUsage), let usage = Double(usageText.trimmingNewlines())
        {
            var inactiveCache = 0.0
            for line in (readSmallFile(cgroupStat) ?? "").split(separator: "\n") where line.hasPrefix("inactive_file ")
            {
                inactiveCache = Double(line.dropFirst("inactive_file ".count)) ?? 0
            }
            let headroom = max(64 * 1_048_576, limit - max(0, usage - inactiveCache))
            available = min(available ?? headroom, headroom)
        }
        return available
    }

    private static func readSmallFile(_ path: String) -> String? {
        (try? LocalFileSystem().readFile(atPath: path)).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension String {
    fileprivate func trimmingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
