internal import CCurl
import Executors
import Foundation

/// Blocking HTTP over libcurl with a pool of easy handles, so connections (and HTTP/2 sessions)
/// are reused across requests. Only this module touches libcurl; callers see Swift values.
/// An `EasyHandle` is used by one transfer at a time: taken from the locked pool, put back after.
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        public var tls = TLSConfiguration()
        public var connectTimeout: Double = 10
        public var requestTimeout: Double = 60
        /// `http://host:port` proxy (kubeconfig `proxy-url`).
        public var proxy: String?
        /// Offer HTTP/2 (over TLS, negotiated with ALPN).
        public var http2 = true
        public var userAgent = "reconcile"

        public init() {}
    }

    public let configuration: Configuration
    private let idle = Locked<[EasyHandle]>([])

    public init(configuration: Configuration = Configuration()) {
        Transfers.initialize()
        self.configuration = configuration
    }

    /// libcurl's version string, for `reconcile version`.
    public static var libraryVersion: String {
        guard let info = reconcile_curl_version_info(), let version = info.pointee.version else { return "unknown" }
        return String(cString: version)
    }

    /// Sends a request and reads the whole response.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        var body: [UInt8] = []
        let (status, headers, version) = try perform(request) { chunk in
            body.append(contentsOf: chunk)
            return true
        }
        return HTTPResponse(status: status, headers: headers, body: body, httpVersion: version)
    }

    /// Sends a request and hands the body to `onData` as it arrives (watch streams); returning
    /// false from `onData` ends the transfer. Returns the status and headers.
    public func stream(_ request: HTTPRequest, onData: @escaping ([UInt8]) -> Bool) throws -> (status: Int, headers: [(name: String, value: String)]) {
        let (status, headers, _) = try perform(request, onData: onData)
        return (status, headers)
    }

    private func perform(_ request: HTTPRequest, onData: @escaping ([UInt8]) -> Bool) throws -> (Int, [(name: String, value: String)], String) {
        try Transfers.run(url: request.url) {
            let handle = checkOut()
            defer { checkIn(handle) }
            return try handle.perform(request, configuration: configuration, onData: onData)
        }
    }

    private func checkOut() -> EasyHandle {
        idle.withLock { $0.popLast() } ?? EasyHandle()
    }

    private func checkIn(_ handle: EasyHandle) {
        idle.withLock { if $0.count < 16 { $0.append(handle) } }
    }
}
