import ReconcileCore
public import YAML

/// A plan-time check over the desired state (and the live state when a cluster is known). Each
/// analyzer owns one or a few related codes and returns findings for desired objects only:
/// objects that are merely live are context (a Gateway a VirtualService refers to), never the
/// subject of a finding, because this plan does not apply them.
public protocol Analyzer: Sendable {
    /// The codes this analyzer can emit (for documentation and tests).
    var codes: [String] { get }
    func analyze(_ input: AnalysisInput) -> [Finding]
}

/// What analyzers and policies look at: the desired state, the live state when known, and the
/// namespaces' labels as they will be after the plan (with the restarts the plan carries out).
public struct AnalysisInput: Sendable {
    public let desired: DesiredState
    /// Positions in `desired.objects` by kind, in order: analyzers ask for one kind at a time.
    private let desiredByKind: [String: [Int]]
    /// Nil offline (validate, base-vs-head): checks that need the cluster are skipped.
    public let live: LiveState?
    /// Keys of live objects that are not desired, by kind, sorted: analyzers ask for one kind at
    /// a time, and see a desired object as desired (usually nearly every live object).
    private let liveOnlyKeysByKind: [String: [ObjectKey]]
    /// Labels of every known namespace after the plan (live labels with the planned patches, or
    /// offline the labels the desired state declares).
    public var namespaceLabels: [String: [String: String]]
    /// Restarts the plan carries out (empty offline, or when restarts are disabled).
    public var restarts: [PlannedRestart]
    /// Guardrail policies to evaluate (shipped defaults merged with the repository's).
    public var policies: [Policy]
    /// Live objects this plan deletes (prunes that are not blocked): they no longer count.
    public var deleted: Set<ObjectKey> = []

    public init(desired: DesiredState, live: LiveState?, namespaceLabels: [String: [String: String]],
                restarts: [PlannedRestart] = [], policies: [Policy]? = nil) {
        self.desired = desired
        desiredByKind = Dictionary(grouping: desired.objects.indices, by: { desired.objects[$0].key.kind })
        self.live = live
        let liveOnly = live.map { live in live.objects.keys.filter { desired.index[$0] == nil } } ?? []
        liveOnlyKeysByKind = Dictionary(grouping: liveOnly, by: \.kind).mapValues { $0.sorted() }
        self.namespaceLabels = namespaceLabels
        self.restarts = restarts
        self.policies = policies ?? PolicySet.effective(repo: desired.policies)
    }

    /// Offline input: the desired state alone (validate, base-vs-head).
    public static func offline(_ desired: DesiredState) -> AnalysisInput {
        var labels: [String: [String: String]] = [:]
        for object in desired.objects where object.key.isNamespace { labels[object.key.name] = object.labels }
        for (name, wanted) in desired.namespaceInjection {
            labels[name, default: [:]].merge(wanted.injection.labels) { _, new in new }
        }
        return AnalysisInput(desired: desired, live: nil, namespaceLabels: labels)
    }

    /// Input for a plan against live state: namespace labels predicted from the planned changes.
    public static func planned(_ desired: DesiredState, live: LiveState, plan: Plan) -> AnalysisInput {
        var labels = live.namespaces.mapValues(\.labels)
        for change in plan.changes where change.key.isNamespace && change.action != .delete && change.blocked == nil {
            guard let body = change.body else { continue }
            let current = change.liveBody ?? Node(.mapping([]))
            let removed: [FieldPath] = change.liveBody.map { live -> [FieldPath] in
                let managers = Tracking.managers(instance: desired.instance, includingLegacy: Tracking.instance(of: live) == desired.instance)
                return OwnedFieldCompare.compare(desired: body, live: live, managers: managers).removed
            } ?? []
            labels[change.key.name] = OwnedFieldCompare.predictApply(desired: body, live: current, removed: removed).labels
        }
        var input = AnalysisInput(desired: desired, live: live, namespaceLabels: labels, restarts: plan.restarts)
        input.deleted = Set(plan.changes.filter { $0.action == .delete && $0.blocked == nil }.map(\.key))
        return input
    }

    // MARK: - Views

    /// One object the checks can see: desired, or live and not removed by this plan.
    public struct Item: Sendable {
        public var key: ObjectKey
        public var body: Node
        /// Set for desired objects (findings are reported on these only).
        public var source: SourceLocation?
        public var isDesired: Bool { source != nil }
    }

    /// Objects of a kind (in any of `groups`, or any group when nil): desired ones first, then
    /// live ones that survive the plan (not desired, and not deleted by it).
    public func items(kind: String, groups: Set<String>?) -> [Item] {
        var result: [Item] = []
        for index in desiredByKind[kind] ?? [] {
            let object = desired.objects[index]
            if let groups, !groups.contains(object.key.group) { continue }
            result.append(Item(key: object.key, body: object.body, source: object.source))
        }
        guard let live else { return result }
        for key in liveOnlyKeysByKind[kind] ?? [] where (groups.map { $0.contains(key.group) } ?? true) && !deleted.contains(key) {
            if let object = live.objects[key] { result.append(Item(key: key, body: object.body, source: nil)) }
        }
        return result
    }

    public func desiredItems(kind: String, groups: Set<String>) -> [Item] {
        (desiredByKind[kind] ?? []).lazy.map { desired.objects[$0] }.filter { groups.contains($0.key.group) }
            .map { Item(key: $0.key, body: $0.body, source: $0.source) }
    }

    /// The source of a field of a desired object: the field's own line when the node has a mark.
    public func source(_ item: Item, at mark: Mark?) -> SourceLocation? {
        guard let base = item.source else { return nil }
        guard let mark else { return base }
        return SourceLocation(file: base.file, mark: mark)
    }

    /// Whether the namespace injects sidecars after the plan (nil when its labels are unknown).
    public func namespaceInjects(_ namespace: String) -> Bool? {
        guard let labels = namespaceLabels[namespace] else { return nil }
        switch NamespaceInjection(labels: labels) {
        case .enabled, .revision: return true
        case .disabled, nil: return false
        }
    }
}

/// Istio API groups and well-known names shared by the analyzers.
enum Mesh {
    static let networking: Set<String> = ["networking.istio.io"]
    static let security: Set<String> = ["security.istio.io"]
    /// Root namespaces: a selector-less PeerAuthentication here is mesh-wide (upstream Istio and
    /// the AKS add-on).
    static let rootNamespaces: Set<String> = ["istio-system", "aks-istio-system"]
    /// Namespaces that never run injected application workloads.
    static let systemNamespaces: Set<String> = [
        "istio-system", "aks-istio-system", "aks-istio-ingress", "aks-istio-egress", "kube-system", "kube-public", "kube-node-lease",
    ]
    static let clusterDomain = "svc.cluster.local"

    /// Resolves a host as Istio does: a name without dots is a short name in `namespace`.
    static func fqdn(_ host: String, namespace: String) -> String {
        // Character (not String) search: Foundation's String.contains(String) is far slower, and
        // this runs for every route destination and DestinationRule of a plan.
        host.contains(Character(".")) || host.contains(Character("*")) ? host : "\(host).\(namespace).\(clusterDomain)"
    }

    /// `name.namespace.svc.cluster.local` → (name, namespace); nil for other hosts.
    static func serviceName(_ fqdn: String) -> (name: String, namespace: String)? {
        let suffix = "." + clusterDomain
        guard fqdn.hasSuffix(suffix) else { return nil }
        let parts = fqdn.dropLast(suffix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// Istio host matching: `*` alone matches everything, `*.suffix` matches any host ending in
    /// `.suffix` (and the same wildcard); otherwise equality.
    static func hostMatches(pattern: String, host: String) -> Bool {
        if pattern == "*" { return true }
        if pattern == host { return true }
        if pattern.hasPrefix("*") {
            let suffix = pattern.dropFirst()
            if host.hasPrefix("*") { return host.dropFirst().hasSuffix(suffix) }
            return host.hasSuffix(suffix)
        }
        return false
    }

    /// Whether two hosts select at least one name in common (either covers the other).
    static func hostsIntersect(_ a: String, _ b: String) -> Bool {
        hostMatches(pattern: a, host: b) || hostMatches(pattern: b, host: a)
    }

    /// Where a VirtualService's gateway reference points: `name` (VS namespace), `ns/name`, or the
    /// legacy `name.ns.svc.cluster.local`. Nil for `mesh`.
    static func gatewayKey(_ reference: String, namespace: String) -> ObjectKey? {
        if reference == "mesh" { return nil }
        if let slash = reference.firstIndex(of: "/") {
            return ObjectKey(group: "networking.istio.io", kind: "Gateway", namespace: String(reference[..<slash]),
                             name: String(reference[reference.index(after: slash)...]))
        }
        let parts = reference.split(separator: ".")
        if parts.count >= 2 {
            return ObjectKey(group: "networking.istio.io", kind: "Gateway", namespace: String(parts[1]), name: String(parts[0]))
        }
        return ObjectKey(group: "networking.istio.io", kind: "Gateway", namespace: namespace, name: reference)
    }
}

extension ObjectKey {
    var isNamespace: Bool { kind == "Namespace" && group.isEmpty }
}
