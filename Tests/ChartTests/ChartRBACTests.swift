import Testing
import YAML

/// The chart's RBAC is a security boundary (DESIGN.md, "What it manages"): the ClusterRole grants
/// exactly the allowlisted kinds plus what restarts and drift events need, and the Role only the
/// Lease and the status ConfigMap. Rules are read from the templates with every `if` branch kept,
/// so a value that switches a rule on cannot grant more than these tables.
struct ChartRBACTests {
    struct Grant: Hashable, CustomStringConvertible {
        var group: String
        var resource: String
        var verb: String
        var description: String { "\(group.isEmpty ? "core" : group)/\(resource):\(verb)" }
    }

    /// What the code sends for a managed kind: no `update`, since every write is server-side apply
    /// (PATCH); `create` because the API server authorizes an apply that creates as `create` too.
    static let managedVerbs = ["get", "list", "watch", "create", "patch", "delete"]

    /// The allowlist: `managedVerbs` on each of these.
    static let managed: [String: [String]] = [
        "networking.istio.io": [
            "virtualservices", "destinationrules", "gateways", "serviceentries", "sidecars",
            "workloadentries", "workloadgroups", "envoyfilters", "proxyconfigs",
        ],
        "security.istio.io": ["peerauthentications", "authorizationpolicies", "requestauthentications"],
        "telemetry.istio.io": ["telemetries"],
        // tier.* are Calico's pseudo-resources for its per-tier authorization of the same policies.
        "projectcalico.org": [
            "networkpolicies", "globalnetworkpolicies", "networksets", "globalnetworksets", "tiers",
            "tier.networkpolicies", "tier.globalnetworkpolicies",
        ],
        "networking.k8s.io": ["networkpolicies"],
    ]

    static let expectedClusterGrants: Set<Grant> = {
        var grants: Set<Grant> = []
        func add(_ group: String, _ resources: [String], _ verbs: [String]) {
            for resource in resources { for verb in verbs { grants.insert(Grant(group: group, resource: resource, verb: verb)) } }
        }
        for (group, resources) in managed { add(group, resources, managedVerbs) }
        add("", ["namespaces"], ["get", "list", "watch", "create", "patch"])
        // Restarts: list, patch restartedAt, poll the rollout with get; never watched.
        add("apps", ["deployments", "statefulsets", "daemonsets"], ["get", "list", "patch"])
        add("", ["pods"], ["list"])
        add("", ["services"], ["list"])
        // events.k8s.io only: EventRecorder never writes core v1 Events.
        add("events.k8s.io", ["events"], ["create", "patch"])
        return grants
    }()

    static func rules(_ template: String, kind: String) throws -> [Node] {
        try #require(try ChartFiles.template(template, kind: kind)["rules"]?.sequence)
    }

    static func grants(of rules: [Node]) -> Set<Grant> {
        var grants: Set<Grant> = []
        for rule in rules {
            for group in rule["apiGroups"]?.strings ?? [] {
                for resource in rule["resources"]?.strings ?? [] {
                    for verb in rule["verbs"]?.strings ?? [] { grants.insert(Grant(group: group, resource: resource, verb: verb)) }
                }
            }
        }
        return grants
    }

    @Test func clusterRoleGrantsExactlyTheAllowlist() throws {
        let granted = Self.grants(of: try Self.rules("clusterrole.yaml", kind: "ClusterRole"))
        let extra = granted.subtracting(Self.expectedClusterGrants).map(\.description).sorted()
        let missing = Self.expectedClusterGrants.subtracting(granted).map(\.description).sorted()
        #expect(extra.isEmpty, "granted beyond the allowlist: \(extra)")
        #expect(missing.isEmpty, "allowlisted but not granted: \(missing)")
    }

    @Test func clusterRoleHasNoEscalationPaths() throws {
        let rules = try Self.rules("clusterrole.yaml", kind: "ClusterRole")
        for rule in rules {
            let fields = ["apiGroups", "resources", "verbs", "resourceNames"].flatMap { rule[$0]?.strings ?? [] }
            #expect(!fields.contains { $0.contains("*") }, "wildcard in \(fields)")
            #expect(rule["nonResourceURLs"] == nil)
            #expect(rule["apiGroups"]?.strings.isEmpty == false && rule["resources"]?.strings.isEmpty == false)
        }
        let granted = Self.grants(of: rules)
        let forbiddenGroups: Set<String> = ["rbac.authorization.k8s.io", "crd.projectcalico.org", "apiextensions.k8s.io",
                                            "admissionregistration.k8s.io", "batch", "certificates.k8s.io"]
        #expect(granted.filter { forbiddenGroups.contains($0.group) }.isEmpty)
        #expect(granted.filter { ["secrets", "serviceaccounts", "configmaps", "leases"].contains($0.resource) }.isEmpty)
        #expect(granted.filter { ["escalate", "bind", "impersonate", "deletecollection"].contains($0.verb) }.isEmpty)
        #expect(granted.filter { $0.group == "apps" && ["create", "update", "delete"].contains($0.verb) }.isEmpty)
        #expect(!granted.contains(Grant(group: "", resource: "namespaces", verb: "delete")), "a Namespace is never deleted")
        #expect(granted.filter { $0.resource == "pods" && $0.verb != "list" }.isEmpty)
        #expect(granted.filter { $0.resource == "services" && $0.verb != "list" }.isEmpty)
        #expect(granted.filter { $0.verb == "update" }.isEmpty, "every cluster-wide write is a PATCH (server-side apply or merge patch)")
        #expect(granted.filter { $0.group == "apps" && $0.verb == "watch" }.isEmpty, "workloads are polled, never watched")
        #expect(!granted.contains { $0.group.isEmpty && $0.resource == "events" }, "core v1 Events are never written")
    }

    /// The namespace `create` rule is the only one behind a value, and it is `rbac.createNamespaces`.
    @Test func namespaceCreationIsAValue() throws {
        let text = try ChartFiles.text("templates/clusterrole.yaml")
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let guards = lines.filter { $0.hasPrefix("{{") && $0.contains(" if ") }
        #expect(guards == ["{{- if .Values.rbac.create }}", "{{- if .Values.rbac.createNamespaces }}"])
        let guardIndex = try #require(lines.firstIndex(of: "{{- if .Values.rbac.createNamespaces }}"))
        let guarded = lines[guardIndex...].prefix { $0 != "{{- end }}" }
        #expect(guarded.contains("verbs: [\"create\"]") && guarded.contains("- namespaces"))
    }

    @Test func roleIsLimitedToTheLeaseAndStatusConfigMap() throws {
        let rules = try Self.rules("role.yaml", kind: "Role")
        let granted = Self.grants(of: rules)
        let expected: Set<Grant> = [
            Grant(group: "coordination.k8s.io", resource: "leases", verb: "get"),
            Grant(group: "coordination.k8s.io", resource: "leases", verb: "create"),
            Grant(group: "coordination.k8s.io", resource: "leases", verb: "update"),
            Grant(group: "coordination.k8s.io", resource: "leases", verb: "patch"),
            // The status ConfigMap is only ever server-side applied.
            Grant(group: "", resource: "configmaps", verb: "create"),
            Grant(group: "", resource: "configmaps", verb: "patch"),
        ]
        #expect(granted == expected, "\(granted.map(\.description).sorted())")
        // Every rule but create-only ones names its object (Kubernetes cannot restrict create by name).
        for rule in rules where rule["verbs"]?.strings != ["create"] {
            #expect(rule["resourceNames"]?.strings.isEmpty == false, "rule without resourceNames: \(rule["verbs"]?.strings ?? [])")
        }
        let role = try ChartFiles.template("role.yaml", kind: "Role")
        #expect(role[path: ["metadata", "namespace"]] != nil, "the Role lives in the release namespace")
    }

    @Test func bindingsReferenceTheRoles() throws {
        let clusterBinding = try ChartFiles.template("clusterrolebinding.yaml", kind: "ClusterRoleBinding")
        #expect(clusterBinding[path: ["roleRef", "kind"]]?.string == "ClusterRole")
        #expect(clusterBinding["subjects"]?.sequence?.first?["kind"]?.string == "ServiceAccount")
        let binding = try ChartFiles.template("rolebinding.yaml", kind: "RoleBinding")
        #expect(binding[path: ["roleRef", "kind"]]?.string == "Role")
        #expect(binding["subjects"]?.sequence?.first?["kind"]?.string == "ServiceAccount")
    }
}
