/// An open file that grows only at its end: the build-state journal.
///
/// Obtained from `FileSystem.openForAppending(atPath:)`. Every `append` lands after everything appended
/// before it; appends from several threads are not interleaved within one call, but callers that need a
/// particular order must order their calls themselves (`BuildStateStore` appends under its lock).
/// After `close()` every other method is a programmer error.
package protocol AppendableFile: AnyObject, Sendable {
    /// The path the file was opened at.
    var path: String { get }

    /// Writes `bytes` at the end of the file (all of them, or throws).
    ///
    /// The data reaches the operating system at once (it survives the death of this process) but not
    /// necessarily the disk; call `synchronize()` for that.
    /// - Throws: `FileSystemError.systemCall` (for example `ENOSPC`); part of `bytes` may have been written.
    func append(_ bytes: [UInt8]) throws(FileSystemError)

    /// Cuts the file to its first `size` bytes; later appends continue from there.
    ///
    /// - Throws: `FileSystemError.systemCall`.
    func truncate(toSize size: UInt64) throws(FileSystemError)

    /// Forces everything appended so far to stable storage (`fsync`).
    ///
    /// - Throws: `FileSystemError.systemCall`.
    func synchronize() throws(FileSystemError)

    /// Closes the file. Calling it twice is harmless.
    func close()
}
