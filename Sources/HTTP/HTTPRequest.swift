import Synchronization

/// One HTTP request. Bodies are bytes: Kubernetes speaks JSON and YAML, GitHub JSON.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Whole-request timeout in seconds (nil: the client's default; 0: none, for watches).
    public var timeout: Double?
    /// Polled about once a second while the transfer runs (also while no data flows); returning
    /// true aborts it with an `.aborted` error. Lets a cancelled watch end without waiting for
    /// the next byte from the server.
    public var shouldAbort: (@Sendable () -> Bool)?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, timeout: Double? = nil,
                shouldAbort: (@Sendable () -> Bool)? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.shouldAbort = shouldAbort
    }
}

/// A complete response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The HTTP version used (1.1, 2).
    public var httpVersion: String

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], httpVersion: String = "1.1") {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }

    /// The first header with this name, case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// TLS settings: the cluster CA and client certificate as bytes, never written to disk.
public struct TLSConfiguration: Sendable {
    /// PEM bundle of trusted CAs; nil uses the system store.
    public var caPEM: [UInt8]?
    /// PEM client certificate and key for mutual TLS.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// Only when a kubeconfig explicitly says so; the client logs a warning.
    public var insecureSkipVerify: Bool
    /// Verify the server certificate against this name instead of the URL's host (kubeconfig
    /// `tls-server-name`).
    public var serverName: String?

    public init(caPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
                insecureSkipVerify: Bool = false, serverName: String? = nil) {
        self.caPEM = caPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
    }
}

/// A transport failure (no HTTP status): connection refused, TLS, timeout. Carries libcurl's
/// code and message and the URL.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case connect, timeout, tls, aborted, other
    }

    public var kind: Kind
    public var code: Int
    public var message: String
    public var url: String

    public init(kind: Kind, code: Int, message: String, url: String) {
        self.kind = kind
        self.code = code
        self.message = message
        self.url = url
    }

    public var description: String { "\(url): \(message) (curl error \(code))" }

    /// Worth retrying: the request may not have reached the server or the server went away.
    public var isTransient: Bool { kind == .connect || kind == .timeout || kind == .other }
}

/// A one-way abort switch for one request, set from another thread (a cancelled task's
/// cancellation handler) and read by the transfer's progress callback (`shouldAbort`).
public final class AbortSwitch: Sendable {
    private let flipped = Atomic<Bool>(false)

    public init() {}

    public func flip() { flipped.store(true, ordering: .relaxed) }

    public var isFlipped: Bool { flipped.load(ordering: .relaxed) }
}
