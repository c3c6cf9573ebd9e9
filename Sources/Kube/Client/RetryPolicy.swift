import Foundation
import HTTP

/// When to retry an API request and how long to wait: exponential backoff with full jitter
/// (a random wait in [0, base·2^attempt], capped), so many clients hitting a recovering API server
/// spread out instead of retrying in lockstep. `Retry-After` from the server wins. Pure: the
/// random source is injected, so tests check exact decisions and bounds.
public struct RetryPolicy: Sendable {
    /// What a request does to the server, which decides what is safe to repeat.
    public enum Safety: Sendable {
        /// GET, LIST, PUT with resourceVersion, server-side apply, merge patch, DELETE: repeating
        /// after an unknown outcome converges to the same state.
        case idempotent
        /// POST create: repeated only when it certainly never reached the server (connection
        /// refused, name not resolved) or the server refused it unprocessed (429).
        case create
    }

    /// The outcome of one attempt.
    public enum Outcome: Sendable {
        case status(Int, retryAfter: Double?)
        case transport(HTTPError)
    }

    public enum Decision: Sendable, Equatable {
        case retry(after: Double)
        case fail
    }

    public var maxRetries: Int
    public var maxRetryTime: Double
    public var baseBackoff: Double
    /// The longest single wait from backoff (Retry-After may ask for more, within maxRetryTime).
    public var maxBackoff: Double

    public init(maxRetries: Int = 5, maxRetryTime: Double = 30, baseBackoff: Double = 0.2, maxBackoff: Double = 10) {
        self.maxRetries = maxRetries
        self.maxRetryTime = maxRetryTime
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
    }

    /// Whether this outcome is worth repeating at all, regardless of budget.
    public static func isRetryable(_ outcome: Outcome, safety: Safety) -> Bool {
        switch outcome {
        case .status(let code, _):
            switch code {
            case 429: return true
            case 500, 502, 503, 504: return safety == .idempotent
            default: return false
            }
        case .transport(let error):
            switch safety {
            case .idempotent: return error.isTransient
            case .create: return neverSent(error)
            }
        }
    }

    /// curl errors that mean no byte of the request left: resolve failures and refused connections.
    static func neverSent(_ error: HTTPError) -> Bool {
        [5, 6, 7].contains(error.code)
    }

    /// The upper bound of the jittered wait before retry number `attempt` (0-based).
    public func backoffCeiling(attempt: Int) -> Double {
        min(maxBackoff, baseBackoff * pow(2, Double(min(attempt, 30))))
    }

    /// Decides after attempt number `attempt` (0 = the first try) failed with `outcome`,
    /// `elapsed` seconds after the first try started. `random` returns a value in [0, 1).
    public func decide(attempt: Int, elapsed: Double, outcome: Outcome, safety: Safety,
                       random: () -> Double = { Double.random(in: 0..<1) }) -> Decision {
        guard Self.isRetryable(outcome, safety: safety), attempt < maxRetries else { return .fail }
        var wait = random() * backoffCeiling(attempt: attempt)
        if case .status(_, let retryAfter?) = outcome, retryAfter >= 0 {
            wait = retryAfter
        }
        guard elapsed + wait <= maxRetryTime else { return .fail }
        return .retry(after: wait)
    }
}
