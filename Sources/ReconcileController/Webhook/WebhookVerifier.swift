import Crypto
import Foundation

/// Checks that a webhook call was signed with the shared secret. Pure: the caller passes the
/// headers, the raw body and the time, and gets a verdict; the only state is the set of GitHub
/// delivery ids seen in the last hour (replay protection).
///
/// Two schemes are accepted:
/// - GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body.
/// - Generic: `X-Reconcile-Signature: sha256=<hex>`, HMAC-SHA256 of `"<X-Reconcile-Timestamp>.<body>"`,
///   where the timestamp (unix seconds) must be within `maxSkew` of now, so a captured call
///   cannot be replayed later.
public final class WebhookVerifier: Sendable {
    public enum Verdict: Equatable, Sendable {
        case accepted
        /// Unsigned, badly signed or stale: 401.
        case unauthorized(String)
        /// A GitHub delivery id already seen: 409.
        case replayed(String)
    }

    public static let githubSignatureHeader = "X-Hub-Signature-256"
    public static let githubDeliveryHeader = "X-GitHub-Delivery"
    public static let signatureHeader = "X-Reconcile-Signature"
    public static let timestampHeader = "X-Reconcile-Timestamp"

    private let key: SymmetricKey
    public let maxSkew: TimeInterval
    public let replayWindow: TimeInterval
    private let deliveries = Locked<[String: Date]>([:])

    public init(secret: [UInt8], maxSkew: TimeInterval = 300, replayWindow: TimeInterval = 3600) {
        key = SymmetricKey(data: secret)
        self.maxSkew = maxSkew
        self.replayWindow = replayWindow
    }

    /// `header` looks a header up by name, case-insensitively.
    public func verify(header: (String) -> String?, body: [UInt8], now: Date = Date()) -> Verdict {
        if let signature = header(Self.githubSignatureHeader) {
            guard Self.matches(signature, mac: mac(body)) else { return .unauthorized("bad \(Self.githubSignatureHeader) signature") }
            if let delivery = header(Self.githubDeliveryHeader), !delivery.isEmpty {
                let replayed = deliveries.withLock { seen -> Bool in
                    seen = seen.filter { now.timeIntervalSince($0.value) < replayWindow }
                    if seen[delivery] != nil { return true }
                    seen[delivery] = now
                    return false
                }
                if replayed { return .replayed("delivery \(delivery) was already received") }
            }
            return .accepted
        }
        if let signature = header(Self.signatureHeader) {
            guard let stamp = header(Self.timestampHeader), let seconds = Double(stamp.trimmingCharacters(in: .whitespaces)) else {
                return .unauthorized("\(Self.signatureHeader) needs \(Self.timestampHeader)")
            }
            guard Self.matches(signature, mac: mac(Array((stamp + ".").utf8) + body)) else {
                return .unauthorized("bad \(Self.signatureHeader) signature")
            }
            guard abs(now.timeIntervalSince1970 - seconds) <= maxSkew else {
                return .unauthorized("stale \(Self.timestampHeader): more than \(Int(maxSkew)) s from now")
            }
            return .accepted
        }
        return .unauthorized("unsigned: neither \(Self.githubSignatureHeader) nor \(Self.signatureHeader) is present")
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
