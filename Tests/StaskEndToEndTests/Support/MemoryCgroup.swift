import Foundation

/// A memory cgroup with a limit, made for one test: the kernel's out-of-memory killer then really ends a
/// command that joins it and takes more. Needs root and a writable cgroup file system (version 1's memory
/// controller or version 2 with `memory` enabled); ``make(limit:)`` returns `nil` where there is none.
final class MemoryCgroup {
    let path: String

    private init(path: String) {
        self.path = path
    }

    /// Whether one can be made here.
    static let isAvailable: Bool = {
        guard let cgroup = make(limit: 64 << 20) else { return false }
        cgroup.remove()
        return true
    }()

    static func make(limit: Int) -> MemoryCgroup? {
        let name = "stask-e2e-\(UUID().uuidString)"
        let candidates = [
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes"),  // version 1
            ("/sys/fs/cgroup", "memory.max"),  // version 2
        ]
        for (root, limitFile) in candidates {
            let directory = "\(root)/\(name)"
            guard
                (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false))
                    != nil
            else { continue }
            let limitPath = "\(directory)/\(limitFile)"
            if FileManager.default.fileExists(atPath: limitPath),
                (try? "\(limit)\n".write(toFile: limitPath, atomically: false, encoding: .utf8)) != nil
            {
                if limitFile == "memory.limit_in_bytes" {
                    // No swap either, where the kernel accounts it: the limit must kill, not swap.
                    try? "\(limit)\n".write(
                        toFile: "\(directory)/memory.memsw.limit_in_bytes", atomically: false, encoding: .utf8)
                }
                return MemoryCgroup(path: directory)
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
        return nil
    }

    /// Removes the (empty) cgroup.
    func remove() {
        _ = rmdir(path)
    }
}
