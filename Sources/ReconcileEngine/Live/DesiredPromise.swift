import Executors
import ReconcileCore

/// The desired state a live plan is for, handed to LISTs started before it was rendered
/// (`LiveStateLoader.prefetch`): each LIST reads its first page, then waits here before judging
/// it (`LiveState.Item(json:…judgedAgainst:)`) and asking for the next, so pages do not pile up
/// while the repository renders. A waiter whose task is cancelled stops waiting.
/// The state is in a `Locked` (NSLock), not a `Synchronization.Mutex`: ThreadSanitizer cannot see
/// inside this toolchain's `Mutex` and reported `fulfill` and a waiter as racing.
final class DesiredPromise: Sendable {
    private struct State {
        var desired: DesiredState?
        var waiters: [Int: CheckedContinuation<DesiredState, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state = Locked(State())

    init(_ desired: DesiredState? = nil) {
        state.withLock { $0.desired = desired }
    }

    /// Hands `desired` to every waiter, present and future. Only the first call counts.
    func fulfill(_ desired: DesiredState) {
        let waiters = state.withLock { state -> [CheckedContinuation<DesiredState, any Error>] in
            guard state.desired == nil else { return [] }
            state.desired = desired
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: desired) }
    }

    /// The desired state, once there; throws `CancellationError` if the task is cancelled first.
    func value() async throws -> DesiredState {
        if let desired = state.withLock({ $0.desired }) { return desired }
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Decided under one lock, so `fulfill` and cancellation each find the waiter or not.
                let ready = state.withLock { state -> Result<DesiredState, any Error>? in
                    if let desired = state.desired { return .success(desired) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
