import Testing

@testable import StaskCore
@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Serialized: signal dispositions are process-wide and only one monitor may be installed.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct InterruptMonitorTests {
    private func handler(of signalNumber: Int32) -> sighandler_t? {
        var current = sigaction()
        sigaction(signalNumber, nil, &current)
        return current.__sigaction_handler.sa_handler
    }

    private func isDefaultOrIgnored(_ handler: sighandler_t?) -> Bool {
        let raw = unsafeBitCast(handler, to: Int.self)
        return raw == 0 || raw == 1  // SIG_DFL, SIG_IGN
    }

    @Test func deliversEachReceivedSignal() async throws {
        let monitor = try InterruptMonitor()
        defer { monitor.uninstall() }
        var iterator = monitor.signals.makeAsyncIterator()
        // One at a time: the kernel merges a standard signal sent again while still pending. kill(), not
        // raise(): the cooperative pool's threads block signals, so the process-directed signal goes to a
        // thread that accepts it.
        for signal in [SIGINT, SIGTERM, SIGINT] {
            kill(getpid(), signal)
            #expect(await iterator.next() == signal)
        }
    }

    @Test func ignoresSIGPIPEWhileInstalled() throws {
        let previous = handler(of: SIGPIPE)
        let monitor = try InterruptMonitor()
        #expect(unsafeBitCast(handler(of: SIGPIPE), to: Int.self) == 1)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        var byte: UInt8 = 0
        #expect(write(fds[1], &byte, 1) == -1 && errno == EPIPE)
        close(fds[1])
        monitor.uninstall()
        #expect(unsafeBitCast(handler(of: SIGPIPE), to: Int.self) == unsafeBitCast(previous, to: Int.self))
    }

    @Test func uninstallRestoresPreviousHandlersAndFinishesTheStream() async throws {
        let previousInterrupt = handler(of: SIGINT)
        let previousTerminate = handler(of: SIGTERM)
        let monitor = try InterruptMonitor()
        #expect(!isDefaultOrIgnored(handler(of: SIGINT)))
        #expect(!isDefaultOrIgnored(handler(of: SIGTERM)))
        var iterator = monitor.signals.makeAsyncIterator()
        kill(getpid(), SIGTERM)
        // Handled before uninstalling: kill() may deliver asynchronously, on another thread.
        #expect(await iterator.next() == SIGTERM)
        monitor.uninstall()
        monitor.uninstall()  // idempotent
        #expect(unsafeBitCast(handler(of: SIGINT), to: Int.self) == unsafeBitCast(previousInterrupt, to: Int.self))
        #expect(unsafeBitCast(handler(of: SIGTERM), to: Int.self) == unsafeBitCast(previousTerminate, to: Int.self))
        #expect(await iterator.next() == nil)
    }

    @Test func canBeInstalledAgainAfterUninstall() async throws {
        let first = try InterruptMonitor(catching: [SIGUSR1])
        first.uninstall()
        let second = try InterruptMonitor(catching: [SIGUSR1])
        defer { second.uninstall() }
        kill(getpid(), SIGUSR1)
        var iterator = second.signals.makeAsyncIterator()
        #expect(await iterator.next() == SIGUSR1)
    }
}
