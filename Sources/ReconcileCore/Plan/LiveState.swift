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
        if let item = Item(body) { insert(item) }
    }

    /// Adds an object whose identity is already worked out.
    public mutating func insert(_ item: Item) {
        listedKinds.insert(item.key.groupKind)
        switch item.role {
        case .namespace:
            namespaces[item.key.name] = item.object.body
            objects[item.key] = item.object
        case .managed:
            objects[item.key] = item.object
        case .context:
            context[item.key] = item.object.body
        }
    }

    /// An object read from the cluster with its identity and place worked out: a live plan makes
    /// these on the task that decoded the LIST page, so that building the state once every LIST
    /// is in is only dictionary inserts.
    public struct Item: Sendable {
        enum Role: Sendable { case namespace, managed, context }
        let role: Role
        public let object: LiveObject
        public var key: ObjectKey { object.key }

        /// Nil for an object without apiVersion, kind or name.
        public init?(_ body: Node) {
            guard let apiVersion = body.apiVersion, let kind = body.kind, let name = body.name else { return nil }
            let (group, _) = splitAPIVersion(apiVersion)
            let key = ObjectKey(group: group, kind: kind, namespace: body.namespace ?? "", name: name)
            if group.isEmpty && kind == "Namespace" {
                role = .namespace
            } else if Allowlist.entry(for: key.groupKind) != nil {
                role = .managed
            } else {
                role = .context
            }
            object = LiveObject(key: key, apiVersion: apiVersion, body: body)
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
    public let key: ObjectKey
    public let apiVersion: String
    public let body: Node
    /// The reconcile instance that manages the object (read once: the planner asks for every object).
    public let trackingInstance: String?

    public init(key: ObjectKey, apiVersion: String, body: Node) {
        self.key = key
        self.apiVersion = apiVersion
        self.body = body
        trackingInstance = Tracking.instance(of: body)
    }

    public var resourceVersion: String? { body[path: ["metadata", "resourceVersion"]]?.string }
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
