/// A counting semaphore as an actor: at most `limit` holders at once, waiters served in arrival
/// order, suspended rather than blocking a thread. The Kubernetes client's requests in flight
/// (a plan over hundreds of objects must not open hundreds of connections or trip API priority
/// and fairness); the test suites running on the test threads at once.
public actor AsyncSemaphore {
    private let limit: Int
    private var active = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// The most requests ever in flight at once (for tests and benchmarks).
    public private(set) var highWater = 0

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public func acquire() async {
        if active < limit {
            active += 1
            highWater = max(highWater, active)
            return
        }
        await withCheckedContinuation { waiters.append($0) }
        // The releaser handed its slot to us (active unchanged).
    }

    public func release() {
        if waiters.isEmpty {
            active -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    public func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
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
