import Dispatch

/// Runs blocking work (libcurl transfers, exec plugins) on GCD threads instead of Swift's
/// cooperative pool, whose few threads must never block: a slow API server would otherwise
/// stall every task in the process. Concurrency is bounded by `RequestLimiter` upstream.
final class BlockingExecutor: Sendable {
    static let shared = BlockingExecutor()
    private let queue = DispatchQueue(label: "reconcile.kube.blocking", qos: .userInitiated, attributes: .concurrent)

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
