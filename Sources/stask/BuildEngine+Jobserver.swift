import StaskCore
import StaskPosix

extension BuildEngine {
    /// Joins the GNU make jobserver named in `MAKEFLAGS`, when stask runs in a recipe of `make -jN`: each
    /// command beyond stask's first running one then holds one of make's tokens, so the whole tree runs
    /// at most N jobs, and stask's default `cpu` budget is N (an explicit `-j` caps it further).
    ///
    /// Commands stask runs see `MAKEFLAGS` without make's `-j` and jobserver: a make inside a task would
    /// otherwise run N jobs of its own beside stask's, or warn about descriptors it did not inherit.
    /// A jobserver that cannot be used gives one warning, and the build runs under its usual budget.
    mutating func joinMakeJobserver(hasExplicitCPU: Bool, warn: @escaping @Sendable (String) -> Void) {
        guard let makeflags = environment["MAKEFLAGS"] else { return }
        let flags = MakeFlags(makeflags)
        guard let jobserver = flags.jobserver else { return }  // a -j of the user's own stays
        for name in ["MAKEFLAGS", "MFLAGS"] {
            if let value = environment[name] { environment[name] = MakeFlags.withoutJobOptions(value) }
        }
        do {
            self.jobserver = try MakeJobserverClient(jobserver, makeflags: makeflags) { reason in
                warn("\(reason); running under stask's own cpu budget from now on")
            }
            if !hasExplicitCPU, let jobs = flags.jobs { cpuCount = jobs }
        } catch {
            warn("cannot use make's jobserver: \(error); running under stask's own cpu budget")
        }
    }
}
