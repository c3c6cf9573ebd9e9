/// A kind the server serves: group, version, kind, plural resource name and scope, from
/// discovery. The plural name builds URLs; `namespaced` decides whether a namespace goes in them.
public struct APIResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String
    /// The plural resource name in URLs (`virtualservices`).
    public var name: String
    public var namespaced: Bool
    public var verbs: [String]

    public init(group: String, version: String, kind: String, name: String, namespaced: Bool, verbs: [String] = []) {
        self.group = group
        self.version = version
        self.kind = kind
        self.name = name
        self.namespaced = namespaced
        self.verbs = verbs
    }

    /// `networking.istio.io/v1`, or `v1` for the core group.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    public var description: String { group.isEmpty ? "\(kind) (\(version))" : "\(kind) (\(group)/\(version))" }

    /// `/api/v1` or `/apis/<group>/<version>`.
    var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection path, namespaced when the resource is and a namespace is given (nil:
    /// all namespaces).
    func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty {
            return "\(groupVersionPath)/namespaces/\(PathEscaping.segment(namespace))/\(name)"
        }
        return "\(groupVersionPath)/\(name)"
    }

    func objectPath(namespace: String?, name objectName: String) -> String {
        "\(collectionPath(namespace: namespace))/\(PathEscaping.segment(objectName))"
    }
}
