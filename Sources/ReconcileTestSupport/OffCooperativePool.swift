import Foundation

/// Runs test work that blocks for long (waiting for a subprocess, valgrind, a blocking HTTP call)
/// on a thread of its own and suspends until it returns.
///
/// swift-testing runs every test, synchronous ones included, on Swift's cooperative pool, which
/// is only as wide as the machine has cores: two in CI. One synchronous test holding a thread for
/// the 90 s of its valgrind runs left the whole parallel suite one thread, and forty unrelated
/// tests ran into their time limits (CI of stop 26). A test whose blocking part can take more than
/// a moment puts it here.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// `offCooperativePool` for work that returns when it is done and cannot fail (stopping a server).
public func offCooperativePool(_ work: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            work()
            continuation.resume()
        }
    }
}
