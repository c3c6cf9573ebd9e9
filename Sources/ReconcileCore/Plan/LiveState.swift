public import YAML

/// The cluster as the planner sees it: managed-kind objects keyed by identity, plus the
/// namespaces, workloads and pods that decide restarts. Built from LIST responses in a live plan
/// or from an exported YAML snapshot offline; the planner does not know which.
public struct LiveState: Sendable {
    public var objects: [ObjectKey: LiveObject] = [:]
    /// Namespaces by name.
    public var namespaces: [String: Node] = [:]
    /// Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods, Services... keyed like objects.
    public var context: [ObjectKey: Node] = [:]
    /// Kinds the snapshot covers; a managed kind it does not list cannot be pruned or compared.
    public var listedKinds: Set<GroupKind> = []

    public init() {}

    /// Room for this many managed objects, when the caller knows about how many to expect.
    public mutating func reserveCapacity(_ count: Int) { objects.reserveCapacity(count) }

    /// Adds any object, routing it to managed objects, namespaces or context.
    public mutating func insert(_ body: Node) {
        guard let apiVersion = body.apiVersion, let kind = body.kind, let name = body.name else { return }
        let (group, _) = splitAPIVersion(apiVersion)
        let key = ObjectKey(group: group, kind: kind, namespace: body.namespace ?? "", name: name)
        let groupKind = key.groupKind
        listedKinds.insert(groupKind)
        if group.isEmpty && kind == "Namespace" {
            namespaces[name] = body
            objects[key] = LiveObject(key: key, apiVersion: apiVersion, body: body)
        } else if Allowlist.entry(for: groupKind) != nil {
            objects[key] = LiveObject(key: key, apiVersion: apiVersion, body: body)
        } else {
            context[key] = body
        }
    }

    /// Objects of one kind in the context (for example every Pod in a namespace).
    public func context(kind: String, group: String, namespace: String) -> [Node] {
        context.compactMap { key, body in
            key.kind == kind && key.group == group && key.namespace == namespace ? body : nil
        }
    }
}

/// A live object of a managed kind.
public struct LiveObject: Sendable {
    public var key: ObjectKey
    public var apiVersion: String
    public var body: Node

    public init(key: ObjectKey, apiVersion: String, body: Node) {
        self.key = key
        self.apiVersion = apiVersion
        self.body = body
    }

    public var resourceVersion: String? { body[path: ["metadata", "resourceVersion"]]?.string }
    public var trackingInstance: String? { Tracking.instance(of: body) }
}

extension LiveState {
    /// Reads a cluster export: `kubectl get ... -o yaml` List documents (items), or a stream of
    /// plain objects, or both.
    public static func snapshot(_ bytes: [UInt8], file: String) throws -> LiveState {
        let documents = try YAMLParser.parse(bytes, file: file)
        var state = LiveState()
        func add(_ node: Node) throws {
            guard node.isMapping else {
                throw Diagnostic(file: file, mark: node.mark, message: "expected a Kubernetes object or List, got a \(node.typeName)",
                                 source: String(decoding: bytes, as: UTF8.self))
            }
            if let kind = node.kind, kind == "List" || kind.hasSuffix("List"), let items = node["items"] {
                for item in items.sequence ?? [] { try add(item) }
                return
            }
            guard node.apiVersion != nil, node.kind != nil, node.name != nil else {
                throw Diagnostic(file: file, mark: node.mark, message: "object without apiVersion, kind or metadata.name",
                                 source: String(decoding: bytes, as: UTF8.self))
            }
            state.insert(node)
        }
        for document in documents { try add(document.root) }
        return state
    }
}
