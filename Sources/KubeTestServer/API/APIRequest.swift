import JSON
import YAML

/// A request as the API layer sees it: already authenticated, body complete.
struct APIRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var user: String?

    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    var contentType: String? { header("Content-Type")?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } }

    var isDryRun: Bool { query["dryRun"] == "All" }

    /// The field manager of an Update: `fieldManager`, else the User-Agent program name
    /// (`kubectl-client-side-apply/v1.32 (linux/amd64)` -> `kubectl-client-side-apply`).
    var updateManager: String {
        if let manager = query["fieldManager"], !manager.isEmpty { return manager }
        let agent = header("User-Agent") ?? "unknown"
        return String(agent.split(separator: "/").first ?? "unknown")
    }

    /// The body as JSON or YAML (first document).
    func decodeBody(kindLabel: String) throws(APIError) -> Node {
        guard !body.isEmpty else { throw APIError.badRequest("the body of the request was empty") }
        do {
            if body.first == UInt8(ascii: "{") || body.first == UInt8(ascii: "[") { return try Node(json: body).withoutMarks }
            guard let document = try YAMLParser.parse(body, file: "body").first else {
                throw APIError.badRequest("the body of the request was empty")
            }
            return document.root.withoutMarks
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("\(kindLabel) cannot be handled: \(error)")
        }
    }
}

/// A complete response.
struct APIResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
    var body: [UInt8]

    init(status: Int, json: Node, headers extra: [(name: String, value: String)] = []) {
        self.status = status
        self.body = json.jsonBytes()
        self.headers = [("Content-Type", "application/json")] + extra
    }

    init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(error: APIError) {
        if error.plainText {
            self.init(status: error.code, headers: [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")],
                      body: Array("\(error.message)\n".utf8))
        } else {
            self.init(status: error.code, json: error.status)
        }
    }
}

/// What a watch request asks for; the HTTP layer turns it into a chunked stream.
struct WatchPlan: Sendable {
    var type: ResourceType
    var version: String
    var namespace: String?
    var selector: LabelSelector
    var fieldName: String?
    var from: Int?
    var sendInitialEvents: Bool
    var bookmarks: Bool
    var timeout: Double?
    /// Set when the requested resourceVersion is too old: one ERROR event, then the end.
    var expired: Node?
}

enum APIResult: Sendable {
    case response(APIResponse)
    case watch(WatchPlan)
}

/// Where a resource path points.
struct ResourcePath: Sendable {
    var group: String
    var version: String
    var plural: String
    var namespace: String?
    var name: String?
    var subresource: String?
    var watchPrefix: Bool
}
