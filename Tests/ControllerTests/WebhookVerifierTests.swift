import Foundation
import ReconcileController
import Testing

@Suite struct WebhookVerifierTests {
    let secret = Array("s3cret".utf8)
    let body = Array(#"{"ref":"refs/heads/main"}"#.utf8)

    func headers(_ values: [String: String]) -> (String) -> String? {
        { name in values.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    @Test func githubSignatureIsAccepted() {
        let verifier = WebhookVerifier(secret: secret)
        let signature = WebhookVerifier.signature(secret: secret, bytes: body)
        #expect(verifier.verify(header: headers(["x-hub-signature-256": signature, "x-github-delivery": "d-0"]), body: body, now: Date()) == .accepted)
    }

    @Test func knownGitHubVector() {
        // The example from GitHub's "Validating webhook deliveries" documentation.
        let signature = WebhookVerifier.signature(secret: Array("It's a Secret to Everybody".utf8), bytes: Array("Hello, World!".utf8))
        #expect(signature == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test func wrongSecretUnsignedAndMalformedAreRejected() {
        let verifier = WebhookVerifier(secret: secret)
        let wrong = WebhookVerifier.signature(secret: Array("other".utf8), bytes: body)
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": wrong]), body: body, now: Date()) else { Issue.record("wrong secret accepted"); return }
        guard case .unauthorized = verifier.verify(header: headers([:]), body: body, now: Date()) else { Issue.record("unsigned accepted"); return }
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": "sha1=abcd"]), body: body, now: Date()) else { Issue.record("sha1 accepted"); return }
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": "sha256=zz"]), body: body, now: Date()) else { Issue.record("bad hex accepted"); return }
        // A body changed after signing.
        let signature = WebhookVerifier.signature(secret: secret, bytes: body)
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": signature]), body: body + [0x20], now: Date()) else { Issue.record("tampered body accepted"); return }
    }

    @Test func constantTimeCompare() {
        #expect(WebhookVerifier.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!WebhookVerifier.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!WebhookVerifier.constantTimeEqual([0, 2, 3], [1, 2, 3]))
        #expect(!WebhookVerifier.constantTimeEqual([1, 2], [1, 2, 3]))
        #expect(WebhookVerifier.constantTimeEqual([], []))
    }

    @Test func replayedDeliveryIsRefusedWithinTheWindow() {
        let verifier = WebhookVerifier(secret: secret, replayWindow: 3600)
        let signature = WebhookVerifier.signature(secret: secret, bytes: body)
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let call = headers(["X-Hub-Signature-256": signature, "X-GitHub-Delivery": "d-1"])
        #expect(verifier.verify(header: call, body: body, now: start) == .accepted)
        guard case .replayed = verifier.verify(header: call, body: body, now: start.addingTimeInterval(60)) else { Issue.record("replay accepted"); return }
        #expect(verifier.verify(header: headers(["X-Hub-Signature-256": signature, "X-GitHub-Delivery": "d-2"]), body: body, now: start) == .accepted)
        // After the window the id is forgotten.
        #expect(verifier.verify(header: call, body: body, now: start.addingTimeInterval(3601)) == .accepted)
    }

    @Test func githubDeliveryIsRequired() {
        let verifier = WebhookVerifier(secret: secret)
        let signature = WebhookVerifier.signature(secret: secret, bytes: body)
        guard case .unauthorized(let reason) = verifier.verify(header: headers(["X-Hub-Signature-256": signature]), body: body, now: Date()) else {
            Issue.record("a call without X-GitHub-Delivery was accepted"); return
        }
        #expect(reason.contains("X-GitHub-Delivery"))
    }

    @Test func deliveryMemoryIsBounded() {
        let verifier = WebhookVerifier(secret: secret, capacity: 3)
        let signature = WebhookVerifier.signature(secret: secret, bytes: body)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        func call(_ id: String) -> WebhookVerifier.Verdict {
            verifier.verify(header: headers(["X-Hub-Signature-256": signature, "X-GitHub-Delivery": id]), body: body, now: now)
        }
        for id in ["a", "b", "c"] { #expect(call(id) == .accepted) }
        guard case .replayed = call("a") else { Issue.record("replay of a accepted"); return }
        #expect(call("d") == .accepted, "a fourth id pushes out the oldest")
        #expect(call("a") == .accepted, "the oldest was forgotten")
    }

    func generic(_ verifier: WebhookVerifier, stamp: String, nonce: String, now: Date, signedStamp: String? = nil) -> WebhookVerifier.Verdict {
        let signature = WebhookVerifier.signature(secret: secret, bytes: WebhookVerifier.genericPayload(timestamp: signedStamp ?? stamp, nonce: nonce, body: body))
        return verifier.verify(header: headers(["X-Reconcile-Signature": signature, "X-Reconcile-Timestamp": stamp, "X-Reconcile-Nonce": nonce]),
                               body: body, now: now)
    }

    @Test func genericSignatureWithTimestampAndNonce() {
        let verifier = WebhookVerifier(secret: secret)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(generic(verifier, stamp: "1700000000", nonce: "nonce-0001", now: now) == .accepted)
        // The same nonce again: a replay, even within the time window.
        guard case .replayed = generic(verifier, stamp: "1700000000", nonce: "nonce-0001", now: now) else { Issue.record("nonce replay accepted"); return }
        #expect(generic(verifier, stamp: "1700000000", nonce: "nonce-0002", now: now) == .accepted)
        // Outside ±5 minutes, either way.
        guard case .unauthorized(let late) = generic(verifier, stamp: "1700000000", nonce: "nonce-0003", now: now.addingTimeInterval(301)) else {
            Issue.record("stale accepted"); return
        }
        #expect(late.contains("stale"))
        guard case .unauthorized = generic(verifier, stamp: "1700000301", nonce: "nonce-0004", now: now) else { Issue.record("future accepted"); return }
        // Timestamp and nonce are signed: changing either breaks the signature.
        guard case .unauthorized = generic(verifier, stamp: "1700000001", nonce: "nonce-0005", now: now, signedStamp: "1700000000") else {
            Issue.record("changed timestamp accepted"); return
        }
        let signature = WebhookVerifier.signature(secret: secret, bytes: WebhookVerifier.genericPayload(timestamp: "1700000000", nonce: "nonce-0006", body: body))
        guard case .unauthorized = verifier.verify(header: headers(["X-Reconcile-Signature": signature, "X-Reconcile-Timestamp": "1700000000",
                                                                    "X-Reconcile-Nonce": "nonce-0007"]), body: body, now: now) else {
            Issue.record("changed nonce accepted"); return
        }
        // Missing or malformed nonce, missing timestamp.
        for (stamp, nonce) in [("1700000000", ""), ("1700000000", "short"), ("1700000000", "has.a.dot"), ("", "nonce-0008")] {
            guard case .unauthorized = generic(verifier, stamp: stamp, nonce: nonce, now: now) else { Issue.record("accepted \(stamp) \(nonce)"); return }
        }
    }
}
