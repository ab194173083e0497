import ArgumentParser
import Foundation
import StaskCore
import StaskPosix

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
        let term = ProcessEnvironment.value("TERM") ?? ""
        return Terminal.isTerminal(1) && term != "dumb" && !term.isEmpty ? .tty : .plain
    }

    /// The width of the terminal on standard output: `TIOCGWINSZ`, else `$COLUMNS`, else 80.
    static func terminalWidth() -> Int {
        if let columns = Terminal.columns(1) { return columns }
        return ProcessEnvironment.value("COLUMNS").flatMap(Int.init) ?? 80
    }

    /// A reporter writing to standard output in this mode.
    func makeReporter() -> any ProgressReporter {
        makeReporters().reporter
    }

    /// A reporter writing to standard output in this mode, and the same reporter as a ``TerminalReporter``
    /// when it is one, whose status line needs ticking between events.
    ///
    /// Handed out apart rather than found by casting the reporter: a cast from a class existential makes the
    /// runtime look up Foundation's boxing type once, a tenth of a no-op build's instructions.
    func makeReporters() -> (reporter: any ProgressReporter, terminal: TerminalReporter?) {
        let sink = FileDescriptorSink(fileDescriptor: 1)
        switch resolved {
        case .tty:
            let terminal = TerminalReporter(sink: sink, width: Self.terminalWidth())
            return (terminal, terminal)
        case .json:
            return (JSONReporter(sink: sink), nil)
        case .plain, .auto:
            return (PlainReporter(sink: sink), nil)
        }
    }
}
