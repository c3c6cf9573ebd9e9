import Executors
import Foundation
import HTTP
import Testing
@testable import Kube

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 5, maxRetryTime: 30, baseBackoff: 0.2, maxBackoff: 10)
    let refused = HTTPError(kind: .connect, code: 7, message: "Failed to connect", url: "https://k")
    let reset = HTTPError(kind: .connect, code: 56, message: "Recv failure", url: "https://k")
    let timeout = HTTPError(kind: .timeout, code: 28, message: "timed out", url: "https://k")
    let tls = HTTPError(kind: .tls, code: 60, message: "certificate", url: "https://k")

    @Test func whatIsRetryable() {
        for code in [429, 500, 502, 503, 504] {
            #expect(RetryPolicy.isRetryable(.status(code, retryAfter: nil), safety: .idempotent), "\(code)")
        }
        for code in [400, 401, 403, 404, 409, 410, 415, 422, 501] {
            #expect(!RetryPolicy.isRetryable(.status(code, retryAfter: nil), safety: .idempotent), "\(code)")
        }
        #expect(RetryPolicy.isRetryable(.transport(refused), safety: .idempotent))
        #expect(RetryPolicy.isRetryable(.transport(timeout), safety: .idempotent))
        #expect(!RetryPolicy.isRetryable(.transport(tls), safety: .idempotent))
        // POST create: only when the request certainly never left, or 429.
        #expect(RetryPolicy.isRetryable(.transport(refused), safety: .create))
        #expect(!RetryPolicy.isRetryable(.transport(reset), safety: .create))
        #expect(!RetryPolicy.isRetryable(.transport(timeout), safety: .create))
        #expect(!RetryPolicy.isRetryable(.status(503, retryAfter: nil), safety: .create))
        #expect(RetryPolicy.isRetryable(.status(429, retryAfter: nil), safety: .create))
    }

    @Test func backoffIsFullJitterUnderADoublingCappedCeiling() {
        #expect(policy.backoffCeiling(attempt: 0) == 0.2)
        #expect(policy.backoffCeiling(attempt: 1) == 0.4)
        #expect(policy.backoffCeiling(attempt: 3) == 1.6)
        #expect(policy.backoffCeiling(attempt: 20) == 10)
        let outcome = RetryPolicy.Outcome.status(503, retryAfter: nil)
        #expect(policy.decide(attempt: 2, elapsed: 0, outcome: outcome, safety: .idempotent, random: { 0 }) == .retry(after: 0))
        #expect(policy.decide(attempt: 2, elapsed: 0, outcome: outcome, safety: .idempotent, random: { 0.5 }) == .retry(after: 0.4))
        for attempt in 0..<5 {
            for _ in 0..<50 {
                guard case .retry(let wait) = policy.decide(attempt: attempt, elapsed: 0, outcome: outcome, safety: .idempotent) else {
                    Issue.record("expected retry"); return
                }
                #expect(wait >= 0 && wait <= policy.backoffCeiling(attempt: attempt))
            }
        }
    }

    @Test func retryAfterIsHonoured() {
        #expect(policy.decide(attempt: 0, elapsed: 0, outcome: .status(429, retryAfter: 3), safety: .idempotent, random: { 0.9 }) == .retry(after: 3))
        // A Retry-After beyond the time budget ends the retries.
        #expect(policy.decide(attempt: 0, elapsed: 28, outcome: .status(429, retryAfter: 3), safety: .idempotent) == .fail)
    }

    @Test func boundsOnCountAndTime() {
        let outcome = RetryPolicy.Outcome.status(500, retryAfter: nil)
        #expect(policy.decide(attempt: 4, elapsed: 0, outcome: outcome, safety: .idempotent, random: { 0 }) == .retry(after: 0))
        #expect(policy.decide(attempt: 5, elapsed: 0, outcome: outcome, safety: .idempotent, random: { 0 }) == .fail)
        #expect(policy.decide(attempt: 1, elapsed: 29.9, outcome: outcome, safety: .idempotent, random: { 0.99 }) == .fail)
        #expect(policy.decide(attempt: 0, elapsed: 0, outcome: .status(400, retryAfter: nil), safety: .idempotent) == .fail)
        let none = RetryPolicy(maxRetries: 0)
        #expect(none.decide(attempt: 0, elapsed: 0, outcome: outcome, safety: .idempotent) == .fail)
    }

    /// Against a closed port: every attempt is refused, so the client retries exactly maxRetries
    /// times, sleeping (through the injected sleep, no real waiting) within the backoff ceilings.
    @Test func clientRetriesConnectionErrorsWithinBounds() async throws {
        let sleeps = Locked<[Double]>([])
        var options = KubeClient.Options()
        options.maxRetries = 3
        options.baseBackoff = 0.5
        options.connectTimeout = 2
        // The count is under test, not the time budget (boundsOnCountAndTime covers that): a
        // loaded machine running the whole suite must not turn a retry into "out of time".
        options.maxRetryTime = 3600
        let client = KubeClient(connection: ClusterConnection(server: "http://127.0.0.1:9"), options: options,
                                sleep: { seconds in sleeps.withLock { $0.append(seconds) } }, random: { 0.999 })
        let resource = APIResource(group: "", version: "v1", kind: "ConfigMap", name: "configmaps", namespaced: true)
        await #expect { _ = try await client.list(resource, namespace: "default") } throws: { error in
            guard let error = error as? KubeError else { return false }
            return error.code == 0 && error.transport != nil && error.description.hasPrefix("list ConfigMap in default: ")
        }
        #expect(client.requestCount == 4)
        let recorded = sleeps.current
        #expect(recorded.count == 3)
        for (attempt, wait) in recorded.enumerated() {
            #expect(wait <= 0.5 * pow(2, Double(attempt)))
            #expect(wait > 0.49 * pow(2, Double(attempt)))
        }
        // create (POST) is retried on a refused connection too: the request never left.
        sleeps.withLock { $0 = [] }
        await #expect(throws: KubeError.self) {
            _ = try await client.createEvent(["apiVersion": "v1", "kind": "Event", "metadata": ["name": "e", "namespace": "default"]])
        }
        #expect(client.requestCount == 8)
    }

    @Test func limiterBoundsConcurrency() async throws {
        let limiter = AsyncSemaphore(limit: 3)
        let active = Locked(0)
        let peak = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await limiter.acquire()
                    let now = active.withLock { $0 += 1; return $0 }
                    peak.withLock { $0 = max($0, now) }
                    try? await Task.sleep(nanoseconds: 2_000_000)
                    active.withLock { $0 -= 1 }
                    await limiter.release()
                }
            }
        }
        #expect(peak.current == 3)
        #expect(await limiter.highWater == 3)
    }
}
