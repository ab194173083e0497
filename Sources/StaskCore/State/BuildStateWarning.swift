/// A build-state file that could not be used: a warning and (part of) a full rebuild, never a failure.
///
/// `description` is the message users read, compiler-style:
/// `/p/.stask/state: warning: build state is corrupt (checksum mismatch); every task will run again`.
/// A missing state file is not a warning: it means nothing was built yet.
package struct BuildStateWarning: Sendable, Equatable, CustomStringConvertible {
    /// What was wrong with the file.
    package enum Reason: Sendable, Equatable {
        /// The file exists but could not be read (permissions, a directory in its place, I/O error).
        case unreadable(FileSystemError)
        /// The file is empty.
        case empty
        /// The file does not start with the expected magic bytes: not a stask state file.
        case badMagic
        /// The file has a format version this stask does not read (written by an older or newer stask).
        case unsupportedVersion(found: UInt32, supported: UInt32)
        /// The file is shorter than its header says.
        case truncated
        /// The contents do not match their checksum (bit flip, torn write).
        case checksumMismatch
        /// The checksum matched but the contents do not decode.
        case malformed(String)
        /// The journal's last `ignoredBytes` bytes were torn or corrupt; the `keptEntries` entries before
        /// them were used.
        case damagedJournalTail(keptEntries: Int, ignoredBytes: Int)
    }

    /// The file concerned.
    package var path: String
    /// Why it was not (fully) used.
    package var reason: Reason

    /// Creates a warning.
    package init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// The message users read, compiler-style: `path: warning: what was wrong; the consequence`.
    package var description: String {
        let consequence = "every task will run again"
        switch reason {
        case .unreadable(let error):
            return "\(path): warning: cannot read build state (\(error)); \(consequence)"
        case .empty:
            return "\(path): warning: build state file is empty; \(consequence)"
        case .badMagic:
            return "\(path): warning: not a stask build-state file; \(consequence)"
        case .unsupportedVersion(let found, let supported):
            return "\(path): warning: build state has format version \(found), this stask reads version "
                + "\(supported); \(consequence)"
        case .truncated:
            return "\(path): warning: build state is truncated; \(consequence)"
        case .checksumMismatch:
            return "\(path): warning: build state is corrupt (checksum mismatch); \(consequence)"
        case .malformed(let detail):
            return "\(path): warning: build state is corrupt (\(detail)); \(consequence)"
        case .damagedJournalTail(let kept, let ignored):
            return "\(path): warning: ignored \(ignored) damaged bytes at the end of the build-state journal "
                + "(after \(kept) good entries); the tasks recorded there will run again"
        }
    }
}
