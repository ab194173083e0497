import Glibc

extension HelperLocation {
    /// Replaces this process with the program at `path` (`execv`), keeping the environment and the process id,
    /// so that signals sent to this process reach the program directly.
    ///
    /// The signal mask is emptied and SIGINT, SIGTERM and SIGPIPE get their default dispositions first: the
    /// calling thread may be one of the concurrency runtime's, which block signals, and a blocked or ignored
    /// signal would stay so in the new program.
    ///
    /// - Parameter arguments: `argv` after the program's name (which is `path`).
    /// - Returns: Only on failure: the `errno` of `execv` (`ENOENT` when nothing is at `path`).
    package static func replaceProcess(with path: String, arguments: [String]) -> Int32 {
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        for signal in [SIGINT, SIGTERM, SIGPIPE] { _ = Glibc.signal(signal, SIG_DFL) }
        let argv = CStringArray([path] + arguments)
        execv(path, argv.pointers)
        return errno
    }
}
