import ReconcileCore
import Testing
import YAML

/// Mesh-aware ordering: make-before-break for subsets, allow before deny, needs, reverse prunes.
@Suite struct ApplyOrderTests {
    func change(_ kind: String, _ name: String, group: String = "networking.istio.io", action: PlannedChange.Action = .create,
                bundle: String = "b", body: String? = nil, subsetsRemoved: [String] = []) throws -> PlannedChange {
        var change = PlannedChange(key: ObjectKey(group: group, kind: kind, namespace: kind == "Namespace" || kind == "Tier" || kind.hasPrefix("Global") ? "" : "shop", name: name),
                                   apiVersion: "\(group)/v1", action: action, bundle: bundle, source: nil, diff: "")
        change.body = try body.map { try node($0) }
        change.liveBody = change.body
        change.subsetsRemoved = subsetsRemoved
        return change
    }

    @Test func makeBeforeBreak() throws {
        let changes = [
            try change("VirtualService", "reviews", action: .update),
            try change("DestinationRule", "reviews-old", action: .update, subsetsRemoved: ["v1"]),
            try change("DestinationRule", "reviews", action: .update),
            try change("Gateway", "gw"),
            try change("ServiceEntry", "external"),
            try change("Namespace", "shop", group: ""),
            try change("Tier", "security", group: "projectcalico.org"),
        ]
        let order = ApplyOrder.sort(changes, bundleOrder: ["b"]).map(\.key.name)
        #expect(order == ["shop", "security", "external", "reviews", "gw", "reviews", "reviews-old"])
        #expect(ApplyOrder.sort(changes, bundleOrder: ["b"]).map(\.step) == Array(1...7))
    }

    @Test func allowBeforeDenyAndDeletesInReverse() throws {
        let changes = [
            try change("AuthorizationPolicy", "deny-all", group: "security.istio.io", body: "spec: {}"),
            try change("AuthorizationPolicy", "allow-frontend", group: "security.istio.io", body: "spec: {action: ALLOW, rules: [{from: [{source: {namespaces: [web]}}]}]}"),
            try change("NetworkPolicy", "default-deny", group: "networking.k8s.io", body: "spec: {podSelector: {}, policyTypes: [Ingress]}"),
            try change("NetworkPolicy", "allow-mesh", group: "networking.k8s.io", body: "spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"),
            try change("GlobalNetworkPolicy", "deny-non-mesh", group: "projectcalico.org", body: "spec: {ingress: [{action: Deny}]}"),
            try change("VirtualService", "old-route", action: .delete),
            try change("DestinationRule", "old-subsets", action: .delete),
            try change("AuthorizationPolicy", "old-deny", group: "security.istio.io", action: .delete, body: "spec: {action: DENY, rules: [{}]}"),
        ]
        let order = ApplyOrder.sort(changes, bundleOrder: ["b"]).map(\.key.name)
        #expect(order == ["allow-mesh", "allow-frontend", "default-deny", "deny-non-mesh", "deny-all", "old-deny", "old-route", "old-subsets"])
    }

    @Test func needsOrderBundles() throws {
        let changes = [try change("Gateway", "late", bundle: "routes"), try change("DestinationRule", "early-dr", bundle: "routes"),
                       try change("Sidecar", "base", bundle: "base")]
        #expect(ApplyOrder.sort(changes, bundleOrder: ["base", "routes"]).map(\.key.name) == ["base", "early-dr", "late"])
    }

    @Test(arguments: [
        ("security.istio.io", "AuthorizationPolicy", "spec: {action: DENY, rules: [{}]}", true),
        ("security.istio.io", "AuthorizationPolicy", "spec: {}", true),
        ("security.istio.io", "AuthorizationPolicy", "spec: {action: ALLOW, rules: [{}]}", false),
        ("security.istio.io", "AuthorizationPolicy", "spec: {action: CUSTOM, rules: [{}]}", false),
        ("networking.k8s.io", "NetworkPolicy", "spec: {podSelector: {}}", true),
        ("networking.k8s.io", "NetworkPolicy", "spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}", false),
        ("networking.k8s.io", "NetworkPolicy", "spec: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{}]}", true),
        ("projectcalico.org", "NetworkPolicy", "spec: {ingress: [{action: Allow}]}", false),
        ("projectcalico.org", "NetworkPolicy", "spec: {types: [Ingress]}", true),
    ])
    func denyPolicies(group: String, kind: String, body: String, deny: Bool) throws {
        #expect(ApplyOrder.isDenyPolicy(key: ObjectKey(group: group, kind: kind, namespace: "a", name: "p"), body: try node(body)) == deny)
    }
}
