/// A workload's identity: the controller that owns its pods (Deployment, StatefulSet, DaemonSet,
/// CronJob, Job, ReplicaSet) or the pod itself when nothing owns it.
public struct WorkloadID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var kind: String
    public var namespace: String
    public var name: String

    public init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `namespace/name`, the short form used in pair listings.
    public var description: String { "\(namespace)/\(name)" }
    /// `Kind namespace/name`.
    public var qualified: String { "\(kind) \(namespace)/\(name)" }

    public static func < (a: WorkloadID, b: WorkloadID) -> Bool {
        (a.namespace, a.name, a.kind) < (b.namespace, b.name, b.kind)
    }
}

/// A port a workload listens on: the container port (what NetworkPolicy and the destination
/// sidecar see after the Service's DNAT), with its name when the pod spec gives one.
public struct WorkloadPort: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var number: Int
    public var name: String?
    /// `TCP`, `UDP` or `SCTP`.
    public var proto: String

    public init(number: Int, name: String? = nil, proto: String = "TCP") {
        self.number = number
        self.name = name
        self.proto = proto
    }

    public var description: String { name.map { "\(proto) \(number) (\($0))" } ?? "\(proto) \(number)" }

    public static func < (a: WorkloadPort, b: WorkloadPort) -> Bool { (a.number, a.proto) < (b.number, b.proto) }
}

/// One workload as policy sees it: the labels its pods carry, its namespace's labels, the
/// service account (its mesh identity), whether its pods have a sidecar, and its ports.
public struct Workload: Sendable, Hashable {
    public var id: WorkloadID
    public var labels: [String: String]
    public var namespaceLabels: [String: String]
    public var serviceAccount: String
    public var injected: Bool
    public var ports: [WorkloadPort]
    /// Pod IPs when the snapshot has them (`status.podIPs`); empty when unknown.
    public var podIPs: [IPAddress]
    /// Services that select the workload (for listings and AuthorizationPolicy `hosts`).
    public var services: [String]

    public init(id: WorkloadID, labels: [String: String], namespaceLabels: [String: String] = [:],
                serviceAccount: String = "default", injected: Bool = false, ports: [WorkloadPort] = [],
                podIPs: [IPAddress] = [], services: [String] = []) {
        self.id = id
        self.labels = labels
        var namespaceLabels = namespaceLabels
        // The API server sets this label on every namespace (Kubernetes 1.21+).
        if namespaceLabels[Self.namespaceNameLabel] == nil { namespaceLabels[Self.namespaceNameLabel] = id.namespace }
        self.namespaceLabels = namespaceLabels
        self.serviceAccount = serviceAccount
        self.injected = injected
        self.ports = ports
        self.podIPs = podIPs
        self.services = services
    }

    public static let namespaceNameLabel = "kubernetes.io/metadata.name"

    /// The port with this name and protocol, for named ports in policies.
    public func port(named name: String, proto: String) -> WorkloadPort? {
        ports.first { $0.name == name && $0.proto == proto }
    }
}
