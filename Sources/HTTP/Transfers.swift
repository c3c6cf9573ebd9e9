internal import CCurl
import Foundation
import Synchronization

/// Every libcurl transfer of the process, and libcurl's (and through it OpenSSL's) global state.
///
/// Why: `exit()` runs OpenSSL's atexit cleanup, which frees its global state (locks, the random
/// generator, the decoders a client key is parsed with) under any transfer still in flight on
/// another thread — a heap-use-after-free, then a crash handler that hangs trying to suspend
/// those threads. So the process ends through `shutdown`: no new transfer may start, every
/// running one is aborted from libcurl's progress callback, the caller waits until the last one
/// has returned from `curl_easy_perform`, and only then is libcurl cleaned up and `exit` safe.
public enum Transfers {
    /// Set once by `cancelAll`/`shutdown`; read by every transfer's progress callback.
    private static let cancelled = Atomic<Bool>(false)
    /// The number of transfers inside `curl_easy_perform`, and whether new ones are refused;
    /// both guarded by the condition's lock, which `shutdown` waits on.
    private static let state = TransferCount()

    /// `curl_global_init` exactly once, before the first handle; never after `shutdown`.
    private static let initialized: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    static func initialize() { _ = initialized }

    /// Whether transfers are being aborted (the process is ending).
    public static var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Runs one transfer, counted; refused with `.aborted` once the process is ending.
    static func run<T>(url: String, _ body: () throws -> T) throws -> T {
        guard state.enter() else {
            throw HTTPError(kind: .aborted, code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "the process is shutting down", url: url)
        }
        defer { state.leave() }
        return try body()
    }

    /// Aborts every running transfer (within about a second: libcurl polls the progress
    /// callback at least that often, in the TLS handshake too) and refuses new ones. Does not wait.
    public static func cancelAll() {
        cancelled.store(true, ordering: .relaxed)
        state.close()
    }

    /// Ends libcurl for the process: `cancelAll`, then waits up to `timeout` seconds for the
    /// running transfers to return, then `curl_global_cleanup`. Returns false when some transfer
    /// is still running after the timeout (a C call that does not reach the progress callback):
    /// the caller must then leave with `_exit`, which runs no atexit handler under it.
    @discardableResult
    public static func shutdown(timeout: Double = 10) -> Bool {
        cancelAll()
        guard state.waitUntilIdle(timeout: timeout) else { return false }
        curl_global_cleanup()
        return true
    }

    /// Transfers running now (for tests and diagnostics).
    public static var inFlight: Int { state.count }
}

/// The count of running transfers under a condition lock (`NSCondition` guards `running` and
/// `open`; that is what makes the `@unchecked Sendable` sound).
private final class TransferCount: @unchecked Sendable {
    private let condition = NSCondition()
    private var running = 0
    private var open = true

    func enter() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard open else { return false }
        running += 1
        return true
    }

    func leave() {
        condition.lock()
        running -= 1
        if running == 0 { condition.broadcast() }
        condition.unlock()
    }

    func close() {
        condition.lock()
        open = false
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    func waitUntilIdle(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while running > 0 {
            if !condition.wait(until: deadline) { return running == 0 }
        }
        return true
    }
}
