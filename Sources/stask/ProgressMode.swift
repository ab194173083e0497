import ArgumentParser
import Foundation
import StaskCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--progress`: how the build shows its progress.
enum ProgressMode: String, CaseIterable, ExpressibleByArgument {
    /// A live status line on a terminal, plain lines otherwise.
    case auto
    /// A live status line, redrawn in place.
    case tty
    /// One line per finished task.
    case plain
    /// One JSON object per line.
    case json

    /// `auto` resolved: `tty` when standard output is a terminal and `TERM` is not `dumb`, else `plain`.
    var resolved: ProgressMode {
        guard self == .auto else { return self }
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        return isatty(1) == 1 && term != "dumb" && !term.isEmpty ? .tty : .plain
    }

    /// A reporter writing to standard output in this mode.
    func makeReporter() -> any ProgressReporter {
        let sink = FileDescriptorSink(fileDescriptor: 1)
        switch resolved {
        case .tty:
            let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
            return TerminalReporter(sink: sink, width: columns)
        case .json:
            return JSONReporter(sink: sink)
        case .plain, .auto:
            return PlainReporter(sink: sink)
        }
    }
}
