/// A counting semaphore as an actor: at most `limit` API requests in flight, so a plan over
/// hundreds of objects does not open hundreds of connections or trip API priority and fairness.
/// Waiters are served in arrival order.
actor RequestLimiter {
    private let limit: Int
    private var active = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// The most requests ever in flight at once (for tests and benchmarks).
    private(set) var highWater = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire() async {
        if active < limit {
            active += 1
            highWater = max(highWater, active)
            return
        }
        await withCheckedContinuation { waiters.append($0) }
        // The releaser handed its slot to us (active unchanged).
    }

    func release() {
        if waiters.isEmpty {
            active -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }
}
