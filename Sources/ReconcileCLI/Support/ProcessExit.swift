import Foundation
import HTTP
import Synchronization
import UnixSignals

/// How the `reconcile` process runs a command line and ends.
///
/// Every way out goes through `finish`: libcurl's transfers are aborted and waited for before
/// `exit` runs its atexit handlers (OpenSSL's cleanup frees state that a transfer still in a
/// TLS handshake would use — see `Transfers`). SIGINT and SIGTERM cancel the command's task,
/// which stops starting new work and aborts the requests in flight; the process then exits
/// 130 or 143 as a shell reports a signal. A second signal, or a command that does not wind
/// down within `grace`, ends the process at once with the same code.
public enum ProcessExit {
    /// Seconds a cancelled command gets to wind down before the process ends without it.
    public static let grace: Double = 5

    /// Runs `reconcile ARGUMENTS` and ends the process with its exit code; never returns.
    public static func run(arguments: [String]) async -> Never {
        // `reconcile run` owns its signals: its ServiceGroup shuts the controller down gracefully.
        let ownsSignals = arguments.first != "run"
        let command = Task { await ReconcileCommand.run(arguments: arguments) }
        let interrupted = Atomic<Int32>(0)
        let watcher: Task<Void, Never>? = ownsSignals ? Task.detached {
            for await signal in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                let number = signal == .sigint ? SIGINT : SIGTERM
                let (first, _) = interrupted.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                guard first else {
                    finish(128 + number, hard: true)  // a second signal: stop now
                }
                Console.current.err("\ninterrupted (\(signal)): cancelling; interrupt again to stop at once\n")
                command.cancel()
                Transfers.cancelAll()
                Task.detached {
                    try? await Task.sleep(nanoseconds: UInt64(grace * 1_000_000_000))
                    Console.current.err("error: the command did not stop within \(Int(grace)) s of the signal; exiting\n")
                    finish(128 + number, hard: true)
                }
            }
        } : nil
        var code = await command.value
        watcher?.cancel()
        let signal = interrupted.load(ordering: .relaxed)
        if signal != 0 { code = 128 + signal }
        finish(code, hard: false)
    }

    /// Set by the first caller of `finish`; any later caller (the watchdog racing the command's
    /// own end) waits for the process to go instead of calling `exit` a second time.
    private static let finishing = Atomic<Bool>(false)

    /// Ends the process: transfers aborted and drained, then `exit`. Falls back to `_exit`
    /// (no atexit handlers) when a transfer does not return in time or `hard` is set.
    static func finish(_ code: Int32, hard: Bool) -> Never {
        guard finishing.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            while true { sleep(60) }
        }
        fflush(nil)  // every stdio stream (`print`); Console writes unbuffered
        if !hard, Transfers.shutdown(timeout: 10) { exit(code) }
        Transfers.cancelAll()
        _exit(code)
    }
}
