package import StaskCore
import StaskPosix

/// Writes a restored output the way a compiler would, but atomically: a temporary file in the output's
/// directory, then `rename(2)` over the output, so a reader (or a build killed meanwhile) sees the old file
/// or the whole new one, never a part.
///
/// The output's directory is resolved below the project directory by
/// `LocalFileSystem.openDirectory(_:beneath:creating:)` and the file is written through that descriptor: an
/// entry from a poisoned cache cannot be written through a symbolic link out of the project, not even one
/// that a command of the same build created a moment before. The file is created with mode 0666, or 0777
/// when executable, minus the umask: the permissions a local run would have given it. There is no `fsync`:
/// the build state checks the output's content digest before trusting it, so a file lost in a crash is
/// rebuilt, not believed.
package enum OutputFileWriter {
    /// Replaces the file at `path` (absolute, below `project`) with `contents`, creating parent directories
    /// as needed.
    ///
    /// - Throws: `FileSystemError.leavesDirectory` when the output's directory leads out of `project`;
    ///   `FileSystemError` naming the failing step otherwise (the temporary file is removed then).
    package static func write(
        _ contents: [UInt8], toPath path: String, isExecutable: Bool, beneath project: String
    ) throws(FileSystemError) {
        try LocalFileSystem().writeRestoredFile(
            atPath: path, contents: contents, isExecutable: isExecutable, beneath: project)
    }
}
