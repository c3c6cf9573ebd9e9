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
        #expect(verifier.verify(header: headers(["x-hub-signature-256": signature]), body: body) == .accepted)
    }

    @Test func knownGitHubVector() {
        // The example from GitHub's "Validating webhook deliveries" documentation.
        let signature = WebhookVerifier.signature(secret: Array("It's a Secret to Everybody".utf8), bytes: Array("Hello, World!".utf8))
        #expect(signature == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test func wrongSecretUnsignedAndMalformedAreRejected() {
        let verifier = WebhookVerifier(secret: secret)
        let wrong = WebhookVerifier.signature(secret: Array("other".utf8), bytes: body)
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": wrong]), body: body) else { Issue.record("wrong secret accepted"); return }
        guard case .unauthorized = verifier.verify(header: headers([:]), body: body) else { Issue.record("unsigned accepted"); return }
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": "sha1=abcd"]), body: body) else { Issue.record("sha1 accepted"); return }
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": "sha256=zz"]), body: body) else { Issue.record("bad hex accepted"); return }
        // A body changed after signing.
        let signature = WebhookVerifier.signature(secret: secret, bytes: body)
        guard case .unauthorized = verifier.verify(header: headers(["X-Hub-Signature-256": signature]), body: body + [0x20]) else { Issue.record("tampered body accepted"); return }
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

    @Test func genericSignatureWithTimestamp() {
        let verifier = WebhookVerifier(secret: secret)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let stamp = "1700000000"
        let signature = WebhookVerifier.signature(secret: secret, bytes: Array((stamp + ".").utf8) + body)
        #expect(verifier.verify(header: headers(["X-Reconcile-Signature": signature, "X-Reconcile-Timestamp": stamp]), body: body, now: now) == .accepted)
        // Stale: six minutes later.
        guard case .unauthorized(let reason) = verifier.verify(header: headers(["X-Reconcile-Signature": signature, "X-Reconcile-Timestamp": stamp]),
                                                               body: body, now: now.addingTimeInterval(360)) else { Issue.record("stale accepted"); return }
        #expect(reason.contains("stale"))
        // The timestamp is signed: changing it breaks the signature.
        guard case .unauthorized = verifier.verify(header: headers(["X-Reconcile-Signature": signature, "X-Reconcile-Timestamp": "1700000001"]),
                                                   body: body, now: now) else { Issue.record("changed timestamp accepted"); return }
        guard case .unauthorized = verifier.verify(header: headers(["X-Reconcile-Signature": signature]), body: body, now: now) else {
            Issue.record("missing timestamp accepted"); return
        }
    }
}
