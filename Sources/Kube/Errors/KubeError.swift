import Foundation
import HTTP
import JSON
import YAML

/// A failed API call, carrying what the server said (its `metav1.Status`) and what we were doing
/// (verb and object), so a message printed to a user names the object and the server's reason
/// without anyone re-reading logs: `apply VirtualService shop/web: 409 Conflict: Apply failed ...`.
public struct KubeError: Error, Sendable, CustomStringConvertible {
    /// One entry of `details.causes`: which field, what is wrong, and the machine reason.
    public struct Cause: Sendable, Hashable {
        public var field: String?
        public var message: String
        public var reason: String?

        public init(field: String? = nil, message: String, reason: String? = nil) {
            self.field = field
            self.message = message
            self.reason = reason
        }
    }

    /// HTTP status code; 0 when no response came (transport failure, see `transport`).
    public var code: Int
    /// `Status.reason` (`NotFound`, `Conflict`, `Invalid`, `Expired`, ...); nil when the server
    /// gave none (500 typed-patch errors, text/plain 404s).
    public var reason: String?
    /// `Status.message`, or the plain-text body.
    public var message: String
    public var causes: [Cause]
    /// The action, as a user would say it: `get`, `list`, `apply`, `patch`, `create`, `update`,
    /// `delete`, `watch`, `discover`.
    public var verb: String
    /// `Kind namespace/name` (or `Kind name`, or a resource path) of the object concerned.
    public var object: String?
    /// Seconds the server asked us to wait (`Retry-After`), for 429 and some 5xx.
    public var retryAfter: Double?
    /// The transport error, when there was no HTTP response.
    public var transport: HTTPError?

    public init(code: Int, reason: String? = nil, message: String, causes: [Cause] = [], verb: String, object: String? = nil,
                retryAfter: Double? = nil, transport: HTTPError? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.causes = causes
        self.verb = verb
        self.object = object
        self.retryAfter = retryAfter
        self.transport = transport
    }

    public var isConflict: Bool { code == 409 || reason == "Conflict" }
    public var isNotFound: Bool { code == 404 || reason == "NotFound" }
    public var isInvalid: Bool { code == 422 || reason == "Invalid" }
    public var isGone: Bool { code == 410 || reason == "Expired" || reason == "Gone" }
    public var isUnauthorized: Bool { code == 401 }
    public var isForbidden: Bool { code == 403 }

    public var description: String {
        var text = verb
        if let object, !object.isEmpty { text += " \(object)" }
        text += ": "
        if code == 0 {
            text += message
        } else {
            text += "\(code) \(reason ?? Self.reasonPhrase(code)): \(message)"
        }
        for cause in causes {
            if message.contains(cause.message) || cause.message.isEmpty {
                // The message already says it; only point at the field.
                if let field = cause.field, !field.isEmpty, field != "<nil>" { text += " (field \(field))" }
            } else if let field = cause.field, !field.isEmpty, field != "<nil>" {
                text += "; \(field): \(cause.message)"
            } else {
                text += "; \(cause.message)"
            }
        }
        return text
    }

    /// Decodes a non-2xx response: a `metav1.Status` JSON body when there is one, else the body
    /// text (a CRD group's `404 page not found` is text/plain).
    public static func from(status code: Int, body: [UInt8], headers: [(name: String, value: String)] = [], verb: String,
                            object: String?) -> KubeError {
        let retryAfter = headers.first { $0.name.lowercased() == "retry-after" }.flatMap { Double($0.value.trimmingCharacters(in: .whitespaces)) }
        if let node = try? Node(json: body), node["kind"]?.string == "Status" || node["status"]?.string == "Failure" {
            return from(statusObject: node, code: code, verb: verb, object: object, retryAfter: retryAfter)
        }
        var text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > 500 { text = String(text.prefix(500)) + "..." }
        if text.isEmpty { text = reasonPhrase(code) }
        return KubeError(code: code, reason: defaultReason(code), message: text, verb: verb, object: object, retryAfter: retryAfter)
    }

    /// Decodes a `metav1.Status` object (a response body, or the object of a watch ERROR event).
    public static func from(statusObject node: Node, code fallbackCode: Int = 0, verb: String, object: String?,
                            retryAfter: Double? = nil) -> KubeError {
        let code = node["code"]?.int ?? fallbackCode
        let causes = (node[path: ["details", "causes"]]?.sequence ?? []).map { cause in
            Cause(field: cause["field"]?.string, message: cause["message"]?.string ?? "", reason: cause["reason"]?.string)
        }
        let reason = node["reason"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let detailsRetry = node[path: ["details", "retryAfterSeconds"]]?.double
        return KubeError(code: code, reason: reason, message: node["message"]?.string ?? reasonPhrase(code), causes: causes,
                         verb: verb, object: object, retryAfter: retryAfter ?? detailsRetry)
    }

    /// A transport failure (no response) after retries.
    static func transport(_ error: HTTPError, verb: String, object: String?) -> KubeError {
        KubeError(code: 0, message: error.description, verb: verb, object: object, transport: error)
    }

    static func defaultReason(_ code: Int) -> String? {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 406: return "NotAcceptable"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return nil
        }
    }

    static func reasonPhrase(_ code: Int) -> String {
        switch code {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "HTTP \(code)"
        }
    }
}
