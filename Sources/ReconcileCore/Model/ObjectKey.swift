/// The identity of a Kubernetes object as reconcile tracks it: API group, kind, namespace and
/// name. The version is deliberately absent: `networking.istio.io/v1beta1` and `/v1` serve the
/// same stored object, so a version bump in git is an update, not a delete plus a create.
public struct ObjectKey: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var group: String
    public var kind: String
    /// Empty for cluster-scoped objects.
    public var namespace: String
    public var name: String

    public init(group: String, kind: String, namespace: String = "", name: String) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `VirtualService pets/pets-route` (namespace omitted for cluster-scoped objects).
    public var shortDescription: String {
        namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)"
    }

    /// `networking.istio.io/VirtualService pets/pets-route`.
    public var description: String {
        let groupKind = group.isEmpty ? kind : "\(group)/\(kind)"
        return namespace.isEmpty ? "\(groupKind) \(name)" : "\(groupKind) \(namespace)/\(name)"
    }

    /// `kind.group` as kubectl writes resource types (`virtualservice.networking.istio.io`).
    public var groupKind: GroupKind { GroupKind(group: group, kind: kind) }

    /// By group, kind, namespace, name. Field by field rather than as tuples: sorting 10,000 keys
    /// through tuple comparison copied (retained) all eight strings per comparison.
    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        if lhs.group != rhs.group { return lhs.group < rhs.group }
        if lhs.kind != rhs.kind { return lhs.kind < rhs.kind }
        if lhs.namespace != rhs.namespace { return lhs.namespace < rhs.namespace }
        return lhs.name < rhs.name
    }
}

/// An API group and kind, without version.
public struct GroupKind: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var group: String
    public var kind: String

    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }

    public var description: String { group.isEmpty ? kind : "\(kind).\(group)" }

    public static func < (lhs: GroupKind, rhs: GroupKind) -> Bool { lhs.group != rhs.group ? lhs.group < rhs.group : lhs.kind < rhs.kind }
}

/// Splits an `apiVersion` into group and version (`v1` is the core group).
public func splitAPIVersion(_ apiVersion: String) -> (group: String, version: String) {
    guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
    return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
}
