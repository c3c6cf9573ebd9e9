import ReconcileCore
import ReconcileReachability
import Testing

/// The before/after matrix: which pairs lose or gain a path, which rule is responsible, and
/// that only pairs a change touches are re-evaluated.
@Suite("Reachability diff")
struct ReachabilityDiffTests {
    static let policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: only-from-y, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]
        """

    @Test("adding a policy: the pairs it cuts are lost, with the policy as the rule; untouched pairs are not evaluated")
    func addingAPolicy() throws {
        let before = ReachabilityModel(workloads: xyzCluster(), policies: [])
        let after = ReachabilityModel(workloads: xyzCluster(), policies: try policies(Self.policy))
        let report = ReachabilityDiff.compare(before: before, after: after,
                                              changedPolicies: [ObjectKey(group: "networking.k8s.io", kind: "NetworkPolicy", namespace: "x", name: "only-from-y")])
        // Lost: everything outside y to x/a, on each of x/a's 4 ports.
        let lost = Set(report.changes.filter { $0.kind == .lost }.map { "\($0.source)→\($0.destination)" })
        #expect(lost == pairs(from: ["x/b", "x/c", "z/a", "z/b", "z/c"], to: ["x/a"]))
        #expect(report.count(.lost) == 5 * 4)
        #expect(report.count(.gained) == 0)
        #expect(Set(report.changes.map(\.responsible.object)) == ["NetworkPolicy x/only-from-y"])
        // 9 workloads × 8 others × 4 ports; re-evaluated: pairs with x/a at either end.
        #expect(report.pairsTotal == 9 * 8 * 4)
        #expect(report.pairsEvaluated == 2 * 8 * 4)
    }

    @Test("deleting the policy (netpol: should stop enforcing policies after they are deleted): the pairs are gained, naming the rule that is gone")
    func deletingAPolicy() throws {
        let before = ReachabilityModel(workloads: xyzCluster(), policies: try policies(Self.policy))
        let after = ReachabilityModel(workloads: xyzCluster(), policies: [])
        let report = ReachabilityDiff.compare(before: before, after: after,
                                              changedPolicies: [ObjectKey(group: "networking.k8s.io", kind: "NetworkPolicy", namespace: "x", name: "only-from-y")])
        #expect(report.count(.gained) == 20 && report.count(.lost) == 0)
        #expect(report.changes.allSatisfy { $0.responsibleIsPrevious && $0.responsible.object == "NetworkPolicy x/only-from-y" })
        let text = ReachabilityTextRenderer().render(report)
        #expect(text.contains("+ gained 20 paths, no longer denied by NetworkPolicy x/only-from-y:"), "\(text)")
    }

    @Test("a workload that gets a sidecar is re-evaluated even though no policy changed")
    func injectionChange() throws {
        let strict = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: x}
            spec: {mtls: {mode: STRICT}}
            """
        let before = ReachabilityModel(workloads: xyzCluster(injected: ["x/a"]), policies: try policies(strict))
        let after = ReachabilityModel(workloads: xyzCluster(injected: ["x/a", "y/b"]), policies: try policies(strict))
        let report = ReachabilityDiff.compare(before: before, after: after, changedPolicies: [])
        #expect(Set(report.changes.map { "\($0.kind.rawValue) \($0.source)→\($0.destination)" }) == ["gained y/b→x/a"])
    }

    @Test("large groups are cut in text and counted")
    func largeGroups() throws {
        let before = ReachabilityModel(workloads: xyzCluster(), policies: [])
        let after = ReachabilityModel(workloads: xyzCluster(), policies: try policies("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec: {podSelector: {}, policyTypes: [Ingress]}
            """))
        let report = ReachabilityDiff.compare(before: before, after: after,
                                              changedPolicies: [ObjectKey(group: "networking.k8s.io", kind: "NetworkPolicy", namespace: "x", name: "deny-all")])
        let text = ReachabilityTextRenderer(maxFlowsPerGroup: 5).render(report)
        #expect(text.contains("- lost 96 paths, now denied by NetworkPolicy x/deny-all: isolates the destination for ingress"), "\(text)")
        #expect(text.contains("… and 19 more (all of them: --format json)"), "\(text)")
        let markdown = ReachabilityMarkdownRenderer(maxCharacters: 1_500).render(report)
        #expect(markdown.utf8.count <= 1_500 + 200)
        #expect(markdown.hasPrefix("<details><summary><b>Reachability changes</b>: 96 lost</summary>"))
        #expect(markdown.contains("more rows (all of them: `reconcile plan --format json`)"))
        #expect(markdown.hasSuffix("</details>\n\n"))
    }
}
