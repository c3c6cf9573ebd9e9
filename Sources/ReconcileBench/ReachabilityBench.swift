import Foundation
import ReconcileCore
import ReconcileReachability
import YAML

/// `reconcile-bench reachability`: the reachability diff of issue 22 on a generated cluster —
/// W workloads in namespaces of 20, P policies (Kubernetes NetworkPolicies, Calico
/// NetworkPolicies and GlobalNetworkPolicies, Istio AuthorizationPolicies and
/// PeerAuthentications), C of them changed by the "plan". It times what `reconcile plan` does:
/// both models built and the pairs the changed policies touch evaluated before and after
/// (target: ≤ 2 s at 1,000 × 2,000), next to the full matrix before and after (what the
/// pruning saves) and the floor: one pass over every (source, destination, port) reading one
/// label each, measured in the same run.
struct ReachabilityBenchmark {
    var workloads = 1_000
    var policies = 2_000
    var changed = 10
    var repeats = 3

    static let usage = """
    usage: reconcile-bench reachability [--workloads W] [--policies P] [--changed C] [--repeat R]
    """

    static func parse(_ arguments: [String]) throws -> ReachabilityBenchmark {
        var bench = ReachabilityBenchmark()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let text = rest.popFirst(), let value = Int(text), value >= 0 else { throw BenchError("\(flag) needs a non-negative integer\n\(usage)") }
            switch flag {
            case "--workloads": bench.workloads = max(2, value)
            case "--policies": bench.policies = value
            case "--changed": bench.changed = value
            case "--repeat": bench.repeats = max(1, value)
            default: throw BenchError("unknown option \(flag)\n\(usage)")
            }
        }
        return bench
    }

    func run() throws {
        let cluster = generatedWorkloads()
        let before = try generatedPolicies(changed: false)
        let after = try generatedPolicies(changed: true)
        let changedKeys = Set(zip(before, after).filter { !($0.0.body == $0.1.body) }.map { $0.1.key })
        log("reachability: \(cluster.count) workloads, \(before.count) policies, \(changedKeys.count) changed")

        var diffTimes: [Double] = [], fullTimes: [Double] = [], floorTimes: [Double] = []
        var report: ReachabilityReport?
        var fullVerdicts = 0
        for _ in 0..<repeats {
            var started = Subprocess.now()
            let beforeModel = ReachabilityModel(workloads: cluster, policies: before)
            let afterModel = ReachabilityModel(workloads: cluster, policies: after)
            report = ReachabilityDiff.compare(before: beforeModel, after: afterModel, changedPolicies: changedKeys)
            diffTimes.append(Subprocess.now() - started)

            started = Subprocess.now()
            fullVerdicts = 0
            for model in [beforeModel, afterModel] {
                for source in cluster {
                    for destination in cluster where source.id != destination.id {
                        for port in destination.ports where model.verdict(from: source.id, to: destination.id, port: port) != nil {
                            fullVerdicts += 1
                        }
                    }
                }
            }
            fullTimes.append(Subprocess.now() - started)

            started = Subprocess.now()
            var touched = 0
            for source in cluster {
                for destination in cluster where source.id != destination.id {
                    for _ in destination.ports where destination.labels["app"] != nil && source.labels["tier"] != nil { touched += 1 }
                }
            }
            floorTimes.append(Subprocess.now() - started)
            precondition(touched > 0)
        }
        guard let report else { return }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print("""
            reachability diff, \(cluster.count) workloads × \(before.count) policies, \(changedKeys.count) changed (median of \(repeats)):
              plan (both models + touched pairs before and after): \(format(median(diffTimes)))  \
            [\(report.pairsEvaluated) of \(report.pairsTotal) source → destination ports re-evaluated; \
            \(report.count(.lost)) lost, \(report.count(.gained)) gained, \(report.count(.narrowed)) narrowed, \(report.count(.unknown)) unknown]
              full matrix before and after (no pruning, models already built): \(format(median(fullTimes)))  [\(fullVerdicts) verdicts]
              floor (one pass over every source → destination port, one label read each): \(format(median(floorTimes)))
            """)
    }

    /// Namespaces of 20 workloads: tiers web / api / db, teams by namespace, every third
    /// namespace outside the mesh; two ports each (http 8080, grpc 9090).
    func generatedWorkloads() -> [ReconcileReachability.Workload] {
        (0..<workloads).map { i in
            let namespace = "ns-\(i / 20)", tier = ["web", "api", "db"][i % 3]
            let meshed = (i / 20) % 3 != 0
            var namespaceLabels = ["team": "team-\(i / 20 % 10)"]
            if meshed { namespaceLabels["istio-injection"] = "enabled" }
            return ReconcileReachability.Workload(id: WorkloadID(kind: "Deployment", namespace: namespace, name: "app-\(i)"),
                            labels: ["app": "app-\(i)", "tier": tier, "version": "v\(i % 2 + 1)"],
                            namespaceLabels: namespaceLabels, serviceAccount: "app-\(i)", injected: meshed,
                            ports: [WorkloadPort(number: 8080, name: "http"), WorkloadPort(number: 9090, name: "grpc")],
                            services: ["app-\(i)"])
        }
    }

    /// P policies, cycling through kinds; with `changed`, the first C NetworkPolicies also
    /// isolate their workload for egress (to their team's namespaces only).
    func generatedPolicies(changed edited: Bool) throws -> [PolicyObject] {
        let namespaces = max(1, workloads / 20)
        var yaml = ""
        var networkPolicies = 0
        for p in 0..<policies {
            let namespace = "ns-\(p % namespaces)", app = "app-\((p % namespaces) * 20 + p / namespaces % 20)"
            switch p % 10 {
            case 0...4:
                networkPolicies += 1
                // The edit: the policy also isolates its workload for egress, to its own team's namespaces only.
                let egress = edited && networkPolicies <= changed ? """
                      policyTypes: [Ingress, Egress]
                      egress: [{to: [{namespaceSelector: {matchLabels: {team: team-\(p % 10)}}}]}]

                    """ : ""
                yaml += """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: np-\(p), namespace: \(namespace)}
                    spec:
                      podSelector: {matchLabels: {app: \(app)}}
                      ingress:
                        - from:
                            - namespaceSelector: {matchLabels: {team: team-\(p % 10)}}
                              podSelector: {matchExpressions: [{key: tier, operator: In, values: [web, api]}]}
                          ports: [{port: http}, {port: 9000, endPort: 9100}]
                    \(egress)---

                    """
            case 5, 6:
                yaml += """
                    apiVersion: projectcalico.org/v3
                    kind: \(p % 10 == 5 ? "NetworkPolicy" : "GlobalNetworkPolicy")
                    metadata: {name: cnp-\(p)\(p % 10 == 5 ? ", namespace: \(namespace)" : "")}
                    spec:
                      order: \(p % 500)
                      selector: "app == '\(app)' && has(tier)"
                      ingress:
                        - action: Deny
                          source:
                            namespaceSelector: team == 'team-\(p % 7)'
                            selector: tier in {'db'}
                        - action: Pass
                    ---

                    """
            case 7, 8:
                yaml += """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: ap-\(p), namespace: \(namespace)}
                    spec:
                      selector: {matchLabels: {app: \(app)}}
                      rules:
                        - from: [{source: {namespaces: [ns-\((p + 1) % namespaces), \(namespace)]}}]
                          to: [{operation: {ports: ["8080", "9090"]}}]
                    ---

                    """
            default:
                yaml += """
                    apiVersion: security.istio.io/v1
                    kind: PeerAuthentication
                    metadata: {name: pa-\(p), namespace: \(namespace)}
                    spec:
                      selector: {matchLabels: {app: \(app)}}
                      mtls: {mode: \(p % 20 == 9 ? "STRICT" : "PERMISSIVE")}
                    ---

                    """
            }
        }
        return try YAMLParser.parse(yaml, file: "generated.yaml").filter { $0.root.isMapping }.map { PolicyObject(body: $0.root, file: "generated.yaml") }
    }
}
