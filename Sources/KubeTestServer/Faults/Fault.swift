/// A scripted misbehaviour: the next `times` requests matching method and path get `action`
/// instead of (or before) normal handling, so clients' retry and resume paths can be tested.
public struct Fault: Sendable {
    public var method: String?
    public var pathContains: String?
    public var times: Int

    public enum Action: Sendable {
        /// Answer with a Status of this code (and a `Retry-After` header).
        case status(Int, retryAfter: Int? = nil)
        /// Handle normally after this many seconds.
        case delay(Double)
        /// Cut a watch stream after this many events.
        case dropWatch(afterEvents: Int)
        /// Close the connection without answering.
        case closeConnection
    }

    public var action: Action

    public init(method: String? = nil, pathContains: String? = nil, times: Int = 1, action: Action) {
        self.method = method
        self.pathContains = pathContains
        self.times = times
        self.action = action
    }

    func matches(method: String, path: String) -> Bool {
        (self.method == nil || self.method == method) && (pathContains.map { path.contains($0) } ?? true)
    }
}

/// A request as served, for assertions.
public struct RecordedRequest: Sendable {
    public let method: String
    public let path: String
    public let query: [String: String]
    public let user: String?
    public let status: Int
    public let contentType: String?
    public let body: [UInt8]
}
