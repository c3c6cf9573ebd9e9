import Executors
import Foundation

/// Token buckets per remote address for `POST /webhook`: each source may make `burst` calls at
/// once and `perMinute` calls a minute after that; more get 429 before any signature is checked,
/// so a flood from one address costs little and cannot crowd out others. The loop's own minimum
/// gap between passes still applies after a call is accepted.
public final class WebhookRateLimiter: Sendable {
    public struct Rate: Sendable, Equatable {
        public var perMinute: Double
        public var burst: Int

        public init(perMinute: Double, burst: Int) {
            precondition(perMinute > 0 && burst > 0)
            self.perMinute = perMinute
            self.burst = burst
        }

        public static let `default` = Rate(perMinute: 10, burst: 5)
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    public let rate: Rate
    /// Sources remembered at most; beyond it, buckets that have refilled are forgotten (a full
    /// bucket is the same as none) and, if that is not enough, the stalest.
    let maxSources: Int
    private let buckets = Locked<[String: Bucket]>([:])

    public init(rate: Rate = .default, maxSources: Int = 10_000) {
        self.rate = rate
        self.maxSources = maxSources
    }

    /// Takes a token for `source` at `now`; false when its bucket is empty.
    public func allow(_ source: String, now: Date) -> Bool {
        let rate = rate
        let perSecond = rate.perMinute / 60
        return buckets.withLock { buckets in
            var bucket = buckets[source] ?? Bucket(tokens: Double(rate.burst), updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(Double(rate.burst), bucket.tokens + elapsed * perSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[source] = bucket
            if buckets.count > maxSources { Self.prune(&buckets, now: now, rate: rate, keep: maxSources) }
            return allowed
        }
    }

    /// Seconds until `source` may call again (0 when it may now), for `Retry-After`.
    public func retryAfter(_ source: String, now: Date) -> Int {
        let perSecond = rate.perMinute / 60
        return buckets.withLock { buckets in
            guard let bucket = buckets[source] else { return 0 }
            let tokens = bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * perSecond
            return tokens >= 1 ? 0 : Int(((1 - tokens) / perSecond).rounded(.up))
        }
    }

    private static func prune(_ buckets: inout [String: Bucket], now: Date, rate: Rate, keep: Int) {
        let perSecond = rate.perMinute / 60
        buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * perSecond < Double(rate.burst) }
        if buckets.count > keep {
            let stalest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count - keep).map(\.key)
            for key in stalest { buckets[key] = nil }
        }
    }
}
