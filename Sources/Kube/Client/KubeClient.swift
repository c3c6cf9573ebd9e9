import Executors
import Foundation
import HTTP
import JSON
import YAML

/// A Kubernetes API client over libcurl: discovery, the verbs `reconcile` needs (GET, paginated
/// LIST, server-side apply, merge patch, create, update, delete, watch, events), retries with
/// backoff, bounded concurrency, and every authentication form a kubeconfig can name.
///
/// Blocking libcurl calls run on threads of their own (`BlockingExecutor`), never on Swift's cooperative
/// pool; at most `maxConcurrentRequests` requests (watches excluded, they are long-lived and
/// would starve the rest) are in flight at once.
public final class KubeClient: Sendable {
    public struct Options: Sendable {
        /// Retries after the first attempt, for 429, 5xx and transient connection errors.
        public var maxRetries = 5
        /// No retry starts later than this many seconds after the first attempt.
        public var maxRetryTime: Double = 30
        /// First backoff ceiling; doubles per retry (full jitter), capped at 10 s.
        public var baseBackoff: Double = 0.2
        public var maxConcurrentRequests = 8
        public var requestTimeout: Double = 60
        public var connectTimeout: Double = 10
        public var userAgent = "reconcile"

        public init() {}
    }

    public let connection: ClusterConnection
    public let options: Options
    let retryPolicy: RetryPolicy
    let limiter: AsyncSemaphore
    let discovery: Locked<Discovery?> = Locked(nil)
    private let baseClient: HTTPClient
    /// HTTP clients for exec-plugin client certificates, keyed by the certificate (they rotate).
    private let certificateClient = Locked<(cert: [UInt8], client: HTTPClient)?>(nil)
    let execProvider: ExecCredentialProvider?
    let sleep: @Sendable (Double) async throws -> Void
    let random: @Sendable () -> Double
    private let counts = Locked<[String: Int]>([:])

    public convenience init(connection: ClusterConnection, options: Options = Options()) {
        self.init(connection: connection, options: options, sleep: { seconds in
            if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000)) }
        }, random: { Double.random(in: 0..<1) })
    }

    /// For tests: the sleep used between retries and the jitter source are injected.
    init(connection: ClusterConnection, options: Options, sleep: @escaping @Sendable (Double) async throws -> Void,
         random: @escaping @Sendable () -> Double, execEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        var server = connection.server
        while server.hasSuffix("/") { server.removeLast() }
        var connection = connection
        connection.server = server
        self.connection = connection
        self.options = options
        self.retryPolicy = RetryPolicy(maxRetries: options.maxRetries, maxRetryTime: options.maxRetryTime, baseBackoff: options.baseBackoff)
        self.limiter = AsyncSemaphore(limit: options.maxConcurrentRequests)
        self.sleep = sleep
        self.random = random
        self.baseClient = HTTPClient(configuration: Self.configuration(connection: connection, options: options, tls: connection.tls))
        if case .exec(let config) = connection.credentials {
            execProvider = ExecCredentialProvider(config: config, environment: execEnvironment)
        } else {
            execProvider = nil
        }
    }

    static func configuration(connection: ClusterConnection, options: Options, tls: TLSConfiguration) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.tls = tls
        configuration.proxy = connection.proxy
        configuration.connectTimeout = options.connectTimeout
        configuration.requestTimeout = options.requestTimeout
        configuration.userAgent = options.userAgent
        return configuration
    }

    // MARK: - Counters

    /// Requests sent (every attempt, retries included).
    public var requestCount: Int { counts.withLock { $0.values.reduce(0, +) } }

    /// Requests sent per HTTP method (`GET`, `PATCH`, ...).
    public var requestCounts: [String: Int] { counts.current }

    func countRequest(_ method: String) {
        counts.withLock { $0[method, default: 0] += 1 }
    }

    // MARK: - Discovery

    var discoveryCache: Discovery {
        discovery.withLock { cache in
            if let cache { return cache }
            let created = Discovery { [unowned self] path, accept, passthrough in
                try await self.perform(Call(verb: "discover", object: path, method: "GET", path: path, accept: accept, passthrough: passthrough))
            }
            cache = created
            return created
        }
    }

    /// The served resource for a kind; the group's preferred version when `version` is nil.
    /// Cached; refreshed once when the kind is missing.
    public func resource(group: String, kind: String, version: String? = nil) async throws -> APIResource {
        try await discoveryCache.resource(group: group, kind: kind, version: version)
    }

    func resource(for ref: ObjectReference) async throws -> APIResource {
        try await resource(group: ref.group, kind: ref.kind, version: ref.version.isEmpty ? nil : ref.version)
    }

    // MARK: - Requests

    /// One API call, described independently of retries.
    struct Call: Sendable {
        var verb: String
        var object: String?
        var method: String
        var path: String
        var query: [(String, String?)] = []
        var body: [UInt8]? = nil
        var contentType: String? = nil
        var accept = "application/json"
        var safety: RetryPolicy.Safety = .idempotent
        /// Non-2xx statuses handed back instead of thrown.
        var passthrough: Set<Int> = []
    }

    func url(_ path: String, query: [(String, String?)]) -> String {
        let encoded = PathEscaping.query(query)
        return connection.server + path + (encoded.isEmpty ? "" : "?" + encoded)
    }

    /// Sends a call with retries: 429, 5xx and transient transport errors are retried with
    /// backoff (see `RetryPolicy`); a 401 with an exec plugin re-runs the plugin once.
    func perform(_ call: Call) async throws -> HTTPResponse {
        let start = Date()
        var attempt = 0
        var reauthenticated = false
        while true {
            try Task.checkCancellation()
            let (client, headers) = try await authentication()
            var allHeaders = headers
            allHeaders.append(("Accept", call.accept))
            if let contentType = call.contentType { allHeaders.append(("Content-Type", contentType)) }
            // A cancelled task (a prefetched LIST the render made unnecessary, an interrupted
            // command) aborts its transfer instead of leaving it to run on.
            let abort = AbortSwitch()
            let request = HTTPRequest(method: call.method, url: url(call.path, query: call.query), headers: allHeaders, body: call.body,
                                      shouldAbort: { abort.isFlipped })
            let decision: RetryPolicy.Decision
            let failure: any Error
            do {
                await limiter.acquire()
                countRequest(call.method)
                let response: HTTPResponse
                do {
                    response = try await withTaskCancellationHandler {
                        try await BlockingExecutor.shared.run { try client.send(request) }
                    } onCancel: { abort.flip() }
                } catch {
                    await limiter.release()
                    throw error
                }
                await limiter.release()
                if (200..<300).contains(response.status) || call.passthrough.contains(response.status) { return response }
                if response.status == 401, let execProvider, !reauthenticated {
                    reauthenticated = true
                    await execProvider.invalidate()
                    continue
                }
                let error = KubeError.from(status: response.status, body: response.body, headers: response.headers, verb: call.verb, object: call.object)
                if call.method == "DELETE", attempt > 0, error.reason == "NotFound" {
                    // An earlier attempt deleted it; its response was lost.
                    return HTTPResponse(status: 200, headers: response.headers, body: Array(#"{"kind":"Status","status":"Success"}"#.utf8))
                }
                decision = retryPolicy.decide(attempt: attempt, elapsed: Date().timeIntervalSince(start),
                                              outcome: .status(response.status, retryAfter: error.retryAfter), safety: call.safety, random: random)
                failure = error
            } catch let error as HTTPError {
                if error.kind == .aborted, Task.isCancelled || Transfers.isCancelled { throw CancellationError() }
                decision = retryPolicy.decide(attempt: attempt, elapsed: Date().timeIntervalSince(start),
                                              outcome: .transport(error), safety: call.safety, random: random)
                failure = KubeError.transport(error, verb: call.verb, object: call.object)
            }
            guard case .retry(let wait) = decision else { throw failure }
            try await sleep(wait)
            attempt += 1
        }
    }

    /// The HTTP client and headers for the next request: bearer token (literal, file re-read
    /// each time, or from the exec plugin), or the exec plugin's client certificate.
    func authentication() async throws -> (HTTPClient, [(name: String, value: String)]) {
        switch connection.credentials {
        case .none, .clientCertificate:
            return (baseClient, [])
        case .token(let token):
            return (baseClient, [("Authorization", "Bearer \(token)")])
        case .tokenFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeConfigError(file: path, message: "token file cannot be read")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return (baseClient, [("Authorization", "Bearer \(token)")])
        case .exec:
            guard let execProvider else { return (baseClient, []) }
            let credential = try await execProvider.credential()
            if let token = credential.token { return (baseClient, [("Authorization", "Bearer \(token)")]) }
            guard let cert = credential.clientCertificatePEM, let key = credential.clientKeyPEM else { return (baseClient, []) }
            let client = certificateClient.withLock { current -> HTTPClient in
                if let current, current.cert == cert { return current.client }
                var tls = connection.tls
                tls.clientCertificatePEM = cert
                tls.clientKeyPEM = key
                let client = HTTPClient(configuration: Self.configuration(connection: connection, options: options, tls: tls))
                current = (cert, client)
                return client
            }
            return (client, [])
        }
    }

    /// Decodes a JSON response body into a Node.
    func decode(_ response: HTTPResponse, verb: String, object: String?) throws -> Node {
        try read(response, verb: verb, object: object) { try Node(json: $0, file: $1, marks: false) }
    }

    /// Indexes a JSON response body to be read in place (LIST pages, see `ListResult`).
    func index(_ response: HTTPResponse, verb: String, object: String?) throws -> JSONView {
        try read(response, verb: verb, object: object) { try JSONTape(json: $0, file: $1).root }
    }

    /// A response body read by `reader`, a body that is not JSON reported as the call's error.
    private func read<Value>(_ response: HTTPResponse, verb: String, object: String?,
                             _ reader: ([UInt8], String) throws -> Value) throws -> Value {
        do {
            return try reader(response.body, "\(verb) \(object ?? "") response")
        } catch {
            throw KubeError(code: response.status, message: "response is not JSON: \(error)", verb: verb, object: object)
        }
    }
}
