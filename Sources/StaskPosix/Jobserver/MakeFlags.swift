/// What `MAKEFLAGS` says about the GNU make jobserver a process runs under.
///
/// GNU make passes `-jN` and the jobserver in `MAKEFLAGS` to the commands it considers recursive:
/// `--jobserver-auth=R,W` (two inherited pipe descriptors; `--jobserver-fds=R,W` before make 4.2) or, from
/// make 4.4, `--jobserver-auth=fifo:PATH` (a named pipe).
package struct MakeFlags: Sendable, Equatable {
    /// Where the jobserver's tokens are.
    package enum Jobserver: Sendable, Equatable {
        /// Inherited pipe descriptors.
        case pipe(read: Int32, write: Int32)
        /// A named pipe.
        case fifo(path: String)
    }

    /// The jobserver, if `MAKEFLAGS` names one.
    package var jobserver: Jobserver?
    /// The `-jN` of the make above, if given with a number.
    package var jobs: Int?

    /// Reads `MAKEFLAGS` (the last jobserver option wins, as in make).
    package init(_ makeflags: String) {
        for word in makeflags.split(separator: " ") {
            if let value = Self.value(of: word, option: "--jobserver-auth=")
                ?? Self.value(of: word, option: "--jobserver-fds=")
            {
                if value.hasPrefix("fifo:") {
                    let path = String(value.dropFirst("fifo:".count))
                    jobserver = path.isEmpty ? nil : .fifo(path: path)
                } else {
                    let parts = value.split(separator: ",")
                    if parts.count == 2, let read = Int32(parts[0]), let write = Int32(parts[1]), read >= 0, write >= 0
                    {
                        jobserver = .pipe(read: read, write: write)
                    } else {
                        jobserver = nil
                    }
                }
            } else if word.hasPrefix("-j"), let count = Int(word.dropFirst(2)), count > 0 {
                jobs = count
            }
        }
    }

    /// `makeflags` without the jobserver and `-j` options, for commands that must not see them: a
    /// recursive make given `-jN` without a jobserver would run N jobs of its own; given a jobserver whose
    /// descriptors it did not inherit, it warns. `nil` when nothing is left.
    package static func withoutJobOptions(_ makeflags: String) -> String? {
        let kept = makeflags.split(separator: " ").filter { word in
            !(word.hasPrefix("--jobserver-auth=") || word.hasPrefix("--jobserver-fds=") || word.hasPrefix("-j"))
        }
        return kept.isEmpty ? nil : kept.joined(separator: " ")
    }

    private static func value(of word: Substring, option: String) -> Substring? {
        word.hasPrefix(option) ? word.dropFirst(option.count) : nil
    }
}
