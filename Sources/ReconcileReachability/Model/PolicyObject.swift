public import YAML
public import ReconcileCore

/// A policy object handed to the model: its body and where it came from (a file of the config
/// repository, or the cluster), so problems name file, line and field.
public struct PolicyObject: Sendable {
    public var body: Node
    /// The repository file it was rendered from; nil for a live object.
    public var file: String?

    public init(body: Node, file: String? = nil) {
        self.body = body
        self.file = file
    }

    var kind: String { body.kind ?? "" }
    var group: String {
        let apiVersion = body.apiVersion ?? ""
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }
    var name: String { body.name ?? "" }
    var namespace: String { body.namespace ?? "" }

    public var key: ObjectKey { ObjectKey(group: group, kind: kind, namespace: namespace, name: name) }

    /// `Kind namespace/name`.
    var identity: String { namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)" }

    func ref(_ detail: String) -> RuleRef { RuleRef(kind: kind, group: group, namespace: namespace, name: name, detail: detail) }

    func problem(_ field: String, at node: Node?, _ message: String) -> PolicyProblem {
        PolicyProblem(file: file, line: node?.mark?.line ?? body.mark?.line, object: identity, field: field, message: message, key: key)
    }
}

/// A policy the model cannot read: named by file, line, object and field. The policy is then
/// treated as deciding nothing it could have decided: those pairs are "unknown".
public struct PolicyProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var object: String
    public var field: String
    public var message: String
    /// The object's identity, to find what it selects.
    public var key: ObjectKey?

    public var description: String {
        var place = file ?? "live"
        if let line, file != nil { place += ":\(line)" }
        return "\(place): \(object): \(field): \(message)"
    }
}
