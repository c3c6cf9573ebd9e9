import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The controller's HTTP endpoints (Hummingbird): `/healthz` (the loop made progress lately), `/readyz`
/// (the first plan succeeded), `/metrics` (Prometheus text) and `POST /webhook` (a signed call
/// wakes the loop; 404 when no secret is configured; 429 past the per-source rate limit).
public enum HTTPServer {
    public static let maxWebhookBody = 1 << 20

    public struct Handlers: Sendable {
        public var isReady: @Sendable () -> Bool
        /// False when the loop has stalled (a hung fetch or pass): the kubelet then restarts the pod.
        public var isLive: @Sendable () -> Bool
        public var metrics: @Sendable () -> String
        public var verifier: WebhookVerifier?
        /// Calls per remote address, checked before the signature.
        public var rateLimiter: WebhookRateLimiter
        /// The clock for timestamps, replay memory and the rate limit.
        public var now: @Sendable () -> Date
        /// A verified webhook: wake the loop (and, on a follower, the leader).
        public var onWebhook: @Sendable () -> Void
        /// A line `/readyz` adds to its answer, such as why the latest commit was refused.
        public var readinessNote: @Sendable () -> String? = { nil }

        public init(isReady: @escaping @Sendable () -> Bool, isLive: @escaping @Sendable () -> Bool = { true }, metrics: @escaping @Sendable () -> String,
                    verifier: WebhookVerifier?, rateLimiter: WebhookRateLimiter = WebhookRateLimiter(),
                    now: @escaping @Sendable () -> Date = { Date() }, onWebhook: @escaping @Sendable () -> Void) {
            self.isReady = isReady
            self.isLive = isLive
            self.metrics = metrics
            self.verifier = verifier
            self.rateLimiter = rateLimiter
            self.now = now
            self.onWebhook = onWebhook
        }
    }

    /// Hummingbird's basic context plus the peer's address, for the webhook's rate limit.
    public struct Context: RequestContext, RemoteAddressRequestContext {
        public var coreContext: CoreRequestContextStorage
        public let remoteAddress: SocketAddress?

        public init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
        }
    }

    public static func router(_ handlers: Handlers, logger: Logger) -> Router<Context> {
        let router = Router(context: Context.self)
        router.get("healthz") { _, _ in
            handlers.isLive() ? HTTPServer.text(.ok, "ok\n") : HTTPServer.text(.serviceUnavailable, "stalled: the reconcile loop made no progress for too long\n")
        }
        router.get("readyz") { _, _ in
            let note = handlers.readinessNote().map { $0 + "\n" } ?? ""
            return handlers.isReady() ? HTTPServer.text(.ok, "ready\n" + note)
                : HTTPServer.text(.serviceUnavailable, "not ready: no plan has succeeded yet\n" + note)
        }
        router.get("metrics") { _, _ in
            HTTPServer.text(.ok, handlers.metrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.post("webhook") { request, context -> Response in
            guard let verifier = handlers.verifier else { return HTTPServer.text(.notFound, "no webhook secret is configured\n") }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > HTTPServer.maxWebhookBody {
                return HTTPServer.text(.contentTooLarge, "body larger than \(HTTPServer.maxWebhookBody) bytes\n")
            }
            // By IP only: a sender's port changes with every connection.
            let source = context.remoteAddress?.ipAddress ?? "unknown"
            let now = handlers.now()
            guard handlers.rateLimiter.allow(source, now: now) else {
                let retry = max(1, handlers.rateLimiter.retryAfter(source, now: now))
                logger.warning("webhook rejected: \(source) is over the rate limit")
                var response = HTTPServer.text(.tooManyRequests, "too many webhook calls from \(source): at most \(handlers.rateLimiter.rate.burst) at once and \(Int(handlers.rateLimiter.rate.perMinute)) a minute\n")
                response.headers[.retryAfter] = String(retry)
                return response
            }
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: HTTPServer.maxWebhookBody)
            } catch {
                return HTTPServer.text(.contentTooLarge, "body larger than \(HTTPServer.maxWebhookBody) bytes\n")
            }
            let headers = request.headers
            let verdict = verifier.verify(header: { name in HTTPField.Name(name).flatMap { headers[$0] } }, body: Array(buffer: body), now: now)
            switch verdict {
            case .accepted:
                logger.info("webhook: signed call accepted, waking the loop")
                handlers.onWebhook()
                return HTTPServer.text(.accepted, "accepted\n")
            case .unauthorized(let reason):
                logger.warning("webhook rejected: \(reason)")
                return HTTPServer.text(.unauthorized, reason + "\n")
            case .replayed(let reason):
                logger.warning("webhook rejected: \(reason)")
                return HTTPServer.text(.conflict, reason + "\n")
            }
        }
        return router
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// The server as a Service; `onBound` gets the port actually bound (for `--listen host:0`).
    public static func application(_ handlers: Handlers, host: String, port: Int, logger: Logger,
                                   onBound: @escaping @Sendable (Int) -> Void) -> some Service {
        Application(router: router(handlers, logger: logger), configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
                    onServerRunning: { channel in
                        if let port = channel.localAddress?.port { onBound(port) }
                    }, logger: logger)
    }
}
