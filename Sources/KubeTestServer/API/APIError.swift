import JSON
import YAML

/// A failed request as a `metav1.Status` body: every error path of the API ends here so that
/// status code, reason and message text match what kube-apiserver v1.36 sends.
struct APIError: Error {
    var code: Int
    var reason: String?
    var message: String
    var details: Node?
    /// `text/plain` "404 page not found" (unknown route under a CRD-served group), not a Status.
    var plainText = false

    var status: Node {
        var node: Node = ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure"]
        node["message"] = .string(message)
        if let reason { node["reason"] = .string(reason) }
        if let details { node["details"] = details }
        node["code"] = Node(.int(code))
        return node
    }

    static let pageNotFound = APIError(code: 404, reason: nil, message: "404 page not found", plainText: true)

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func notFound(_ type: ResourceType, name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(type.qualifiedPlural) \"\(name)\" not found",
                 details: details(name: name, group: type.group, kind: type.plural))
    }

    static func namespaceNotFound(_ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "namespaces \"\(name)\" not found",
                 details: details(name: name, group: nil, kind: "namespaces"))
    }

    static func alreadyExists(_ type: ResourceType, name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(type.qualifiedPlural) \"\(name)\" already exists",
                 details: details(name: name, group: type.group, kind: type.plural))
    }

    static func conflictModified(_ type: ResourceType, name: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(type.qualifiedPlural) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                 details: details(name: name, group: type.group, kind: type.plural))
    }

    static func unsupportedMediaType(_ accepted: [String]) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType",
                 message: "the body of the request was in an unknown format - accepted media types include: " + accepted.joined(separator: ", "))
    }

    static let notAcceptable = APIError(code: 406, reason: "NotAcceptable",
        message: "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")

    static func methodNotAllowed() -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource",
                 details: [:])
    }

    static func `internal`(_ message: String) -> APIError {
        APIError(code: 500, reason: nil, message: message)
    }

    /// 422 with one cause per violation; the message lists them in brackets when there are several.
    static func invalid(kindLabel: String, name: String, group: String?, kind: String, causes: [Cause]) -> APIError {
        let parts = causes.map { "\($0.field): \($0.message)" }
        let list = parts.count == 1 ? parts[0] : "[" + parts.joined(separator: ", ") + "]"
        var details = details(name: name.isEmpty ? nil : name, group: group, kind: kind)
        details["causes"] = .sequence(causes.map(\.node))
        return APIError(code: 422, reason: "Invalid", message: "\(kindLabel) \"\(name)\" is invalid: \(list)", details: details)
    }

    static func details(name: String?, group: String?, kind: String?) -> Node {
        var node: Node = [:]
        if let name { node["name"] = .string(name) }
        if let group, !group.isEmpty { node["group"] = .string(group) }
        if let kind { node["kind"] = .string(kind) }
        return node
    }

    /// One `details.causes[]` entry.
    struct Cause {
        var reason: String
        var message: String
        var field: String

        var node: Node { ["reason": .string(reason), "message": .string(message), "field": .string(field)] }

        static func required(_ field: String, _ detail: String = "") -> Cause {
            Cause(reason: "FieldValueRequired", message: detail.isEmpty ? "Required value" : "Required value: \(detail)", field: field)
        }

        static func invalid(_ field: String, value: String, _ detail: String) -> Cause {
            Cause(reason: "FieldValueInvalid", message: "Invalid value: \(value): \(detail)", field: field)
        }

        /// The extra cause CRDs with CEL rules add when schema errors stopped rule evaluation.
        static let celNotChecked = Cause(reason: "FieldValueInvalid",
            message: "Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
            field: "<nil>")
    }
}

extension Node {
    /// A Go `%q`-like quoted rendering of a scalar as the apiserver prints it in messages.
    var goQuoted: String {
        switch value {
        case .string(let s): return Node.string(s).jsonString()
        default: return jsonString()
        }
    }
}
