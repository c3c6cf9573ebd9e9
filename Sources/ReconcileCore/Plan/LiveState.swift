import Executors
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
    /// Managed objects a live plan's loader already compared with the desired state it loads
    /// for, and found unchanged, as each LIST page came in (`Item(json:…judgedAgainst:)`): only
    /// what the planner asks of an unchanged object is kept, so the page could be freed. Only
    /// meaningful with that desired state; never in `objects`.
    public var unchanged: [ObjectKey: UnchangedObject] = [:]

    public init() {}

    /// Room for this many managed objects, when the caller knows about how many to expect.
    public mutating func reserveCapacity(_ count: Int) { unchanged.reserveCapacity(count) }

    /// Adds any object, routing it to managed objects, namespaces or context.
    public mutating func insert(_ body: Node) {
        if let item = Item(body) { insert(item) }
    }

    /// Adds an object whose identity is already worked out.
    public mutating func insert(_ item: Item) {
        listedKinds.insert(item.key.groupKind)
        switch item.content {
        case .unchanged(let facts):
            unchanged[item.key] = facts
        case .object(let object):
            switch item.role {
            case .namespace:
                namespaces[item.key.name] = object.body
                objects[item.key] = object
            case .managed:
                objects[item.key] = object
            case .context:
                context[item.key] = object.body
            }
        }
    }

    /// An object read from the cluster with its identity and place worked out: a live plan makes
    /// these on the task that decoded the LIST page, so that building the state once every LIST
    /// is in is only dictionary inserts.
    public struct Item: Sendable {
        enum Role: Sendable { case namespace, managed, context }
        enum Content: Sendable {
            case object(LiveObject)
            /// A managed object judged unchanged (see `LiveState.unchanged`).
            case unchanged(UnchangedObject)
        }
        let role: Role
        let content: Content
        public let key: ObjectKey
        /// The value of the object's `reconcile.dev/instance` label (what a label selector matches).
        public let instanceLabel: String?

        /// The object; nil for one judged unchanged.
        public var object: LiveObject? {
            if case .object(let object) = content { return object }
            return nil
        }

        init(role: Role, content: Content, key: ObjectKey, instanceLabel: String?) {
            self.role = role
            self.content = content
            self.key = key
            self.instanceLabel = instanceLabel
        }

        /// Nil for an object without apiVersion, kind or name.
        public init?(_ body: Node) {
            guard let apiVersion = body.apiVersion, let kind = body.kind, let name = body.name else { return nil }
            let key = Self.key(apiVersion: apiVersion, kind: kind, namespace: body.namespace, name: name)
            role = Self.role(of: key)
            content = .object(LiveObject(key: key, apiVersion: apiVersion, body: body))
            self.key = key
            instanceLabel = body.labels[Tracking.instanceLabel]
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
            content = .object(role == .managed
                ? LiveObject(key: key, apiVersion: apiVersion, json: json, decode: decode)
                : LiveObject(key: key, apiVersion: apiVersion, body: decode(json)))
            self.key = key
            instanceLabel = metadata?[path: ["labels", Tracking.instanceLabel]]?.string
        }

        static func key(apiVersion: String, kind: String, namespace: String?, name: String) -> ObjectKey {
            ObjectKey(group: splitAPIVersion(apiVersion).group, kind: kind, namespace: namespace ?? "", name: name)
        }

        static func role(of key: ObjectKey) -> Role {
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

/// What a live plan keeps of a managed object it found unchanged while reading its LIST page.
public struct UnchangedObject: Sendable {
    /// The reconcile instance that manages the object (prune counts the instance's objects).
    public let trackingInstance: String?

    public init(trackingInstance: String?) { self.trackingInstance = trackingInstance }
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
    private final class Tree: Sendable {
        /// The tree once decoded, else how to decode it.
        private let state: Locked<(decoded: Node?, decode: (@Sendable () -> Node)?)>

        init(_ node: Node) { state = Locked((node, nil)) }
        init(_ decode: @escaping @Sendable () -> Node) { state = Locked((nil, decode)) }

        var node: Node {
            state.withLock { state in
                if let decoded = state.decoded { return decoded }
                let node = state.decode!()
                state = (node, nil)
                return node
            }
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
