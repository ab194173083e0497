import Foundation
import StaskPosix
import Testing

@Suite struct SystemMemoryTests {
    @Test func theCgroupsWorkingSetLeavesOutReclaimableCache() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ name: String, _ text: String) throws {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("meminfo", "MemTotal: 24000000 kB\nMemAvailable: 20000000 kB\n")
        try write("max", "4294967296\n")  // 4 GiB
        try write("current", "3221225472\n")  // 3 GiB used, 2 GiB of it inactive page cache
        try write("stat", "anon 1073741824\ninactive_file 2147483648\n")
        let available = SystemMemory.available(
            meminfo: directory.appendingPathComponent("meminfo").path,
            cgroupLimit: directory.appendingPathComponent("max").path,
            cgroupUsage: directory.appendingPathComponent("current").path,
            cgroupStat: directory.appendingPathComponent("stat").path)
        #expect(available == 3_221_225_472)
        let machineOnly = SystemMemory.available(
            meminfo: directory.appendingPathComponent("meminfo").path, cgroupLimit: "/nonexistent",
            cgroupUsage: "/nonexistent", cgroupStat: "/nonexistent")
        #expect(machineOnly == 20_480_000_000.0, "\(String(describing: machineOnly))")
    }
}
