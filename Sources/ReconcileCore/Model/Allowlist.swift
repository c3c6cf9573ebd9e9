/// The kinds reconcile may write. This is a security boundary: a pull request to the config
/// repository must not be able to use the reconciler's RBAC to create a ClusterRoleBinding or a
/// Secret, so anything outside this list is refused at plan time.
public enum Allowlist {
    public struct Entry: Sendable, Hashable {
        public var groupKind: GroupKind
        public var namespaced: Bool
        /// The resource (plural) name, used for RBAC rules and API paths.
        public var resource: String
        /// What this kind is, for ordering and injection.
        public var role: Role
    }

    public enum Role: Sendable, Hashable {
        case namespace
        case calicoTier
        case mesh
        case policy
    }

    public static let entries: [Entry] = {
        var list: [Entry] = [
            Entry(groupKind: GroupKind(group: "", kind: "Namespace"), namespaced: false, resource: "namespaces", role: .namespace),
            Entry(groupKind: GroupKind(group: "networking.k8s.io", kind: "NetworkPolicy"), namespaced: true, resource: "networkpolicies", role: .policy),
        ]
        let istioNetworking: [(String, String)] = [
            ("VirtualService", "virtualservices"), ("DestinationRule", "destinationrules"), ("Gateway", "gateways"),
            ("ServiceEntry", "serviceentries"), ("Sidecar", "sidecars"), ("WorkloadEntry", "workloadentries"),
            ("WorkloadGroup", "workloadgroups"), ("EnvoyFilter", "envoyfilters"), ("ProxyConfig", "proxyconfigs"),
        ]
        for (kind, resource) in istioNetworking {
            list.append(Entry(groupKind: GroupKind(group: "networking.istio.io", kind: kind), namespaced: true, resource: resource, role: .mesh))
        }
        list.append(Entry(groupKind: GroupKind(group: "security.istio.io", kind: "PeerAuthentication"), namespaced: true, resource: "peerauthentications", role: .mesh))
        list.append(Entry(groupKind: GroupKind(group: "security.istio.io", kind: "AuthorizationPolicy"), namespaced: true, resource: "authorizationpolicies", role: .policy))
        list.append(Entry(groupKind: GroupKind(group: "security.istio.io", kind: "RequestAuthentication"), namespaced: true, resource: "requestauthentications", role: .mesh))
        list.append(Entry(groupKind: GroupKind(group: "telemetry.istio.io", kind: "Telemetry"), namespaced: true, resource: "telemetries", role: .mesh))
        let calico: [(String, String, Bool, Role)] = [
            ("NetworkPolicy", "networkpolicies", true, .policy), ("GlobalNetworkPolicy", "globalnetworkpolicies", false, .policy),
            ("NetworkSet", "networksets", true, .policy), ("GlobalNetworkSet", "globalnetworksets", false, .policy),
            ("Tier", "tiers", false, .calicoTier),
        ]
        for (kind, resource, namespaced, role) in calico {
            list.append(Entry(groupKind: GroupKind(group: "projectcalico.org", kind: kind), namespaced: namespaced, resource: resource, role: role))
        }
        return list
    }()

    private static let index: [GroupKind: Entry] = Dictionary(uniqueKeysWithValues: entries.map { ($0.groupKind, $0) })

    public static func entry(for groupKind: GroupKind) -> Entry? { index[groupKind] }

    /// Groups reconcile manages, for refusal hints.
    public static let groups: Set<String> = Set(entries.map(\.groupKind.group))

    /// Kinds reconcile reads (never writes through manifests) to decide restarts.
    public static let workloadKinds: Set<GroupKind> = [
        GroupKind(group: "apps", kind: "Deployment"), GroupKind(group: "apps", kind: "StatefulSet"),
        GroupKind(group: "apps", kind: "DaemonSet"),
    ]

    /// Why a manifest's group/kind is refused, or nil when it is allowed.
    public static func refusal(apiVersion: String, kind: String) -> String? {
        let (group, version) = splitAPIVersion(apiVersion)
        if group == "crd.projectcalico.org" {
            return "\(kind) in crd.projectcalico.org/\(version) is Calico's internal storage API: writing it skips Calico's validation. Use apiVersion: projectcalico.org/v3 instead"
        }
        if entry(for: GroupKind(group: group, kind: kind)) != nil { return nil }
        if workloadKinds.contains(GroupKind(group: group, kind: kind)) {
            return "kind \(kind) (\(apiVersion)) is not managed by reconcile: workloads are only restarted when their sidecar injection changes, never applied from the config repository"
        }
        let allowed = entries.map { $0.groupKind.group.isEmpty ? "v1 \($0.groupKind.kind)" : "\($0.groupKind.group) \($0.groupKind.kind)" }
        if groups.contains(group) {
            return "kind \(kind) is not in the allowlist for \(group.isEmpty ? "the core group" : group); allowed kinds: \(allowed.joined(separator: ", "))"
        }
        return "kind \(kind) (\(apiVersion)) is not allowed: reconcile only manages Istio, Calico and Kubernetes network policy objects and namespace labels (allowed: \(allowed.joined(separator: ", ")))"
    }
}
