public import JSON
public import YAML
import Foundation

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
            let key = Self.key(apiVersion: apiVersion, kind: kind, namespace: body.namespace, name: name)
            role = Self.role(of: key)
            object = LiveObject(key: key, apiVersion: apiVersion, body: body)
        }

        /// An item of a LIST page read in place, `listAPIVersion` and `listKind` standing in for
        /// the `apiVersion` and `kind` it leaves out, and `decode` making its tree with them
        /// (`ListResult.decode`). Objects of managed kinds stay in the page until something needs
        /// their tree (most never do); namespaces and context objects are decoded now, on the
        /// task that read the page. Nil as `init(_ body:)`.
        public init?(json: JSONView, listAPIVersion: String, listKind: String, decode: @escaping @Sendable (JSONView) -> Node) {
            let apiVersion = json["apiVersion"].map(\.string) ?? listAPIVersion
            let kind = json["kind"].map(\.string) ?? listKind
            let metadata = json["metadata"]
            guard let apiVersion, let kind, let name = metadata?["name"]?.string else { return nil }
            let key = Self.key(apiVersion: apiVersion, kind: kind, namespace: metadata?["namespace"]?.string, name: name)
            role = Self.role(of: key)
            object = role == .managed ? LiveObject(key: key, apiVersion: apiVersion, json: json, decode: decode)
                : LiveObject(key: key, apiVersion: apiVersion, body: decode(json))
        }

        private static func key(apiVersion: String, kind: String, namespace: String?, name: String) -> ObjectKey {
            ObjectKey(group: splitAPIVersion(apiVersion).group, kind: kind, namespace: namespace ?? "", name: name)
        }

        private static func role(of key: ObjectKey) -> Role {
            if key.group.isEmpty && key.kind == "Namespace" { return .namespace }
            return Allowlist.entry(for: key.groupKind) != nil ? .managed : .context
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
    /// The reconcile instance that manages the object (read once: the planner asks for every object).
    public let trackingInstance: String?
    /// The object as its LIST page has it, when it was read from one: the planner compares it in
    /// place and decodes `body` only when it differs from git.
    public let json: JSONView?
    private let tree: Tree

    public init(key: ObjectKey, apiVersion: String, body: Node) {
        self.key = key
        self.apiVersion = apiVersion
        json = nil
        tree = Tree(body)
        trackingInstance = Tracking.instance(of: body)
    }

    init(key: ObjectKey, apiVersion: String, json: JSONView, decode: @escaping @Sendable (JSONView) -> Node) {
        self.key = key
        self.apiVersion = apiVersion
        self.json = json
        tree = Tree { decode(json) }
        trackingInstance = json.withCursor { Tracking.instance(of: $0) }
    }

    /// The whole object, with `apiVersion` and `kind`.
    public var body: Node { tree.node }

    public var resourceVersion: String? {
        json.map { $0[path: ["metadata", "resourceVersion"]]?.string } ?? body[path: ["metadata", "resourceVersion"]]?.string
    }

    /// A label's value, read without decoding the object.
    public func label(_ name: String) -> String? {
        json.map { $0[path: ["metadata", "labels", name]]?.string } ?? body.labels[name]
    }

    /// The tree, decoded at most once, from whichever thread asks first.
    private final class Tree: @unchecked Sendable {
        private let lock = NSLock()
        private var decoded: Node?
        private var decode: (@Sendable () -> Node)?

        init(_ node: Node) { decoded = node }
        init(_ decode: @escaping @Sendable () -> Node) { self.decode = decode }

        var node: Node {
            lock.lock()
            defer { lock.unlock() }
            if let decoded { return decoded }
            let node = decode!()
            decoded = node
            decode = nil
            return node
        }
    }
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
