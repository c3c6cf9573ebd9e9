import Executors
import Foundation
import HTTP
import Logging
import ReconcileController
import ServiceLifecycle
import Testing

/// `POST /webhook` over real loopback HTTP with an injected clock: the per-source rate limit
/// (429 with Retry-After, refilled as the clock moves) and replay refusal (409).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct WebhookHTTPTests {
    static let secret = Array("s3cret".utf8)

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value = Date(timeIntervalSince1970: 1_700_000_000)
        var now: Date { lock.withLock { value } }
        func advance(_ seconds: TimeInterval) { lock.withLock { value += seconds } }
    }

    /// Runs the server on 127.0.0.1:0 until `body` returns.
    func withServer(clock: Clock, _ body: (Int) async throws -> Void) async throws {
        let bound = Locked<Int?>(nil)
        let handlers = HTTPServer.Handlers(isReady: { true }, metrics: { "" }, verifier: WebhookVerifier(secret: Self.secret),
                                           now: { clock.now }, onWebhook: {})
        let logger = Logger(label: "webhook-test")
        let service = HTTPServer.application(handlers, host: "127.0.0.1", port: 0, logger: logger) { port in bound.withLock { $0 = port } }
        let group = ServiceGroup(services: [service], logger: logger)
        let task = Task { try await group.run() }
        defer { task.cancel() }
        let deadline = Date().addingTimeInterval(20)
        while bound.current == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let port = try #require(bound.current)
        try await body(port)
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Sends on a thread of its own: the blocking client must not hold one of the few
    /// cooperative threads the server's handlers need.
    func post(_ port: Int, delivery: String) async throws -> HTTPResponse {
        let body = Array(#"{"ref":"refs/heads/main"}"#.utf8)
        let headers = [("X-Hub-Signature-256", WebhookVerifier.signature(secret: Self.secret, bytes: body)), ("X-GitHub-Delivery", delivery)]
        let request = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/webhook", headers: headers, body: body, timeout: 10)
        return try await BlockingExecutor.shared.run { try HTTPClient().send(request) }
    }

    @Test func burstThenTooManyRequestsThenRefill() async throws {
        let clock = Clock()
        try await withServer(clock: clock) { port in
            for index in 0..<5 { #expect(try await post(port, delivery: "d-\(index)").status == 202) }
            let refused = try await post(port, delivery: "d-5")
            #expect(refused.status == 429)
            #expect(refused.header("retry-after") == "6", "one call per 6 s at 10 a minute")
            clock.advance(6)
            #expect(try await post(port, delivery: "d-5").status == 202, "the refused call's id was not remembered")
            #expect(try await post(port, delivery: "d-6").status == 429)
        }
    }

    @Test func replayedDeliveryIsConflict() async throws {
        let clock = Clock()
        try await withServer(clock: clock) { port in
            #expect(try await post(port, delivery: "once").status == 202)
            let replay = try await post(port, delivery: "once")
            #expect(replay.status == 409)
            #expect(replay.bodyText.contains("already received"))
        }
    }
}
