import Executors
import Crypto
import Foundation

/// Checks that a webhook call was signed with the shared secret and is not a replay. Pure but
/// for its memory of recent ids: the caller passes the headers, the raw body and the time (from
/// its injected clock) and gets a verdict.
///
/// Two schemes are accepted:
/// - GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body, and
///   `X-GitHub-Delivery` (required): a delivery id seen before is refused, so a captured call
///   cannot be sent again. GitHub signs no timestamp, so the ids are the only replay defence.
/// - Generic: `X-Reconcile-Signature: sha256=<hex>`, HMAC-SHA256 of
///   `"<X-Reconcile-Timestamp>.<X-Reconcile-Nonce>.<body>"`. The timestamp (unix seconds) must be
///   within `maxSkew` of now and the nonce (8-128 of `A-Z a-z 0-9 - _`) new, so a captured call
///   can be replayed neither later nor at once.
///
/// Ids are remembered in a bounded, oldest-first-forgotten set (`capacity`, 1,000 by default);
/// the per-source rate limit in front (`WebhookRateLimiter`) keeps one sender from cycling it.
public final class WebhookVerifier: Sendable {
    public enum Verdict: Equatable, Sendable {
        case accepted
        /// Unsigned, badly signed, stale or missing a required header: 401.
        case unauthorized(String)
        /// A GitHub delivery id or a nonce already seen: 409.
        case replayed(String)
    }

    public static let githubSignatureHeader = "X-Hub-Signature-256"
    public static let githubDeliveryHeader = "X-GitHub-Delivery"
    public static let signatureHeader = "X-Reconcile-Signature"
    public static let timestampHeader = "X-Reconcile-Timestamp"
    public static let nonceHeader = "X-Reconcile-Nonce"

    private let key: SymmetricKey
    public let maxSkew: TimeInterval
    public let replayWindow: TimeInterval
    private let deliveries: Locked<RecentIDs>
    private let nonces: Locked<RecentIDs>

    /// `capacity` ids of each kind are remembered, for at most `replayWindow` (GitHub delivery
    /// ids) or twice `maxSkew` (nonces: an older timestamp is refused anyway).
    public init(secret: [UInt8], maxSkew: TimeInterval = 300, replayWindow: TimeInterval = 3600, capacity: Int = 1_000) {
        key = SymmetricKey(data: secret)
        self.maxSkew = maxSkew
        self.replayWindow = replayWindow
        deliveries = Locked(RecentIDs(capacity: capacity, window: replayWindow))
        nonces = Locked(RecentIDs(capacity: capacity, window: 2 * maxSkew + 1))
    }

    /// `header` looks a header up by name, case-insensitively.
    public func verify(header: (String) -> String?, body: [UInt8], now: Date) -> Verdict {
        if let signature = header(Self.githubSignatureHeader) {
            guard Self.matches(signature, mac: mac(body)) else { return .unauthorized("bad \(Self.githubSignatureHeader) signature") }
            guard let delivery = header(Self.githubDeliveryHeader)?.trimmingCharacters(in: .whitespaces), !delivery.isEmpty else {
                return .unauthorized("\(Self.githubSignatureHeader) needs \(Self.githubDeliveryHeader)")
            }
            guard delivery.count <= 128 else { return .unauthorized("\(Self.githubDeliveryHeader) is longer than 128 characters") }
            guard deliveries.withLock({ $0.insert(delivery, now: now) }) else { return .replayed("delivery \(delivery) was already received") }
            return .accepted
        }
        if let signature = header(Self.signatureHeader) {
            guard let stamp = header(Self.timestampHeader)?.trimmingCharacters(in: .whitespaces), let seconds = Int(stamp) else {
                return .unauthorized("\(Self.signatureHeader) needs \(Self.timestampHeader) (unix seconds)")
            }
            guard let nonce = header(Self.nonceHeader)?.trimmingCharacters(in: .whitespaces), Self.isValidNonce(nonce) else {
                return .unauthorized("\(Self.signatureHeader) needs \(Self.nonceHeader): 8 to 128 characters of A-Z, a-z, 0-9, - and _")
            }
            guard Self.matches(signature, mac: mac(Self.genericPayload(timestamp: stamp, nonce: nonce, body: body))) else {
                return .unauthorized("bad \(Self.signatureHeader) signature")
            }
            guard abs(now.timeIntervalSince1970 - Double(seconds)) <= maxSkew else {
                return .unauthorized("stale \(Self.timestampHeader): more than \(Int(maxSkew)) s from now")
            }
            guard nonces.withLock({ $0.insert(nonce, now: now) }) else { return .replayed("nonce \(nonce) was already used") }
            return .accepted
        }
        return .unauthorized("unsigned: neither \(Self.githubSignatureHeader) nor \(Self.signatureHeader) is present")
    }

    /// What the generic scheme signs. The nonce's alphabet has no `.`, so the split is unambiguous.
    public static func genericPayload(timestamp: String, nonce: String, body: [UInt8]) -> [UInt8] {
        Array("\(timestamp).\(nonce).".utf8) + body
    }

    static func isValidNonce(_ nonce: String) -> Bool {
        (8...128).contains(nonce.utf8.count)
            && nonce.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }

    private func mac(_ bytes: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }
    /// Whether `header` is `sha256=<hex of mac>`, compared in constant time.
    static func matches(_ header: String, mac: [UInt8]) -> Bool {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("sha256="), let given = hexBytes(text.dropFirst("sha256=".count)) else { return false }
        return constantTimeEqual(given, mac)
    }

    /// Compares every byte whatever the first difference, so timing tells nothing about how
    /// much of a forged signature was right.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    /// `sha256=<hex>` of `bytes` with `secret`: what a sender puts in the signature header.
    public static func signature(secret: [UInt8], bytes: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: secret))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }
}
