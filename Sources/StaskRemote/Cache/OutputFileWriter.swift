import Glibc
import StaskCore
import StaskPosix

/// Writes a restored output the way a compiler would, but atomically: a temporary file in the output's
/// directory, then `rename(2)` over the output, so a reader (or a build killed meanwhile) sees the old file
/// or the whole new one, never a part.
///
/// The file is created with mode 0666, or 0777 when executable, minus the umask: the permissions a local
/// run would have given it. There is no `fsync`: the build state checks the output's content digest
/// before trusting it, so a file lost in a crash is rebuilt, not believed.
enum OutputFileWriter {
    /// Replaces the file at `path` (absolute) with `contents`, creating parent directories as needed.
    ///
    /// - Throws: `FileSystemError` naming the failing step; the temporary file is removed then.
    static func write(_ contents: [UInt8], toPath path: String, isExecutable: Bool) throws(FileSystemError) {
        let directory = ProjectPath.parent(ofAbsolute: path)
        let name = ProjectPath.name(of: path)
        try LocalFileSystem().createDirectory(atPath: directory)
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 {
            temporary = ProjectPath.join(
                directory, ".\(name).stask-remote-\(getpid())-\(UInt32.random(in: .min ... .max))")
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, isExecutable ? 0o777 : 0o666)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw .systemCall(path: path, operation: "open", errno: errno) }
        do throws(FileSystemError) {
            try LocalFileSystem.writeFully(descriptor, contents, path: path)
            let status = close(descriptor)
            descriptor = -1
            guard status == 0 else { throw .systemCall(path: path, operation: "close", errno: errno) }
            guard rename(temporary, path) == 0 else { throw .systemCall(path: path, operation: "rename", errno: errno) }
        } catch {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }
}
