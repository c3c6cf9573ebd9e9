import Foundation

/// Runs blocking work (libcurl transfers, libgit2 fetches, exec plugins) on threads of its own, never on Swift's
/// cooperative pool, whose few threads must never block (a slow API server would otherwise stall
/// every task in the process), and not on GCD's shared worker pool either: that pool is as wide
/// as the machine has cores, so CPU-bound `concurrentPerform` work (rendering the repository)
/// held back the LISTs started to overlap it until it was done — on 2 cores, the first page of a
/// 10,000-object plan came 160 ms late. Threads are started when every existing one is busy and
/// are kept for later work; their number is bounded by the Kubernetes client's `AsyncSemaphore` upstream plus open watches.
///
/// `@unchecked Sendable`: `pending` and `idle` are touched only with `condition` locked.
public final class BlockingExecutor: @unchecked Sendable {
    public static let shared = BlockingExecutor()

    private let condition = NSCondition()
    private var pending: [@Sendable () -> Void] = []
    /// Threads waiting for work.
    private var idle = 0

    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try work() }) }
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        pending.append(job)
        let needsThread = pending.count > idle
        if !needsThread { condition.signal() }
        condition.unlock()
        if needsThread {
            let thread = Thread { [self] in work() }
            thread.name = "reconcile.blocking"
            thread.start()
        }
    }

    private func work() {
        condition.lock()
        while true {
            while pending.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = pending.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
