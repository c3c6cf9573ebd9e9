import ReconcileReachability
import Testing
import YAML

/// The cluster of Kubernetes' network-policy e2e tests (test/e2e/network/netpol/model.go):
/// namespaces x, y, z (labelled `ns`), pods a, b, c in each (labelled `pod`), serving TCP and
/// UDP on 80 and 81 with the named ports `serve-80-tcp`, `serve-81-tcp`, `serve-80-udp`,
/// `serve-81-udp`. `injected` lists the workloads with a sidecar; IPs are 10.0.<ns>.<pod>.
func xyzCluster(injected: Set<String> = [], withIPs: Bool = false, namespaces: [String] = ["x", "y", "z"],
                namespaceLabels: [String: [String: String]] = [:]) -> [Workload] {
    var workloads: [Workload] = []
    for (n, namespace) in namespaces.enumerated() {
        for (p, pod) in ["a", "b", "c"].enumerated() {
            let ports = [80, 81].flatMap { number in
                ["TCP", "UDP"].map { WorkloadPort(number: number, name: "serve-\(number)-\($0.lowercased())", proto: $0) }
            }
            var labels = ["ns": namespace]
            labels.merge(namespaceLabels[namespace] ?? [:]) { _, new in new }
            workloads.append(Workload(
                id: WorkloadID(kind: "Deployment", namespace: namespace, name: pod), labels: ["pod": pod],
                namespaceLabels: labels, serviceAccount: pod, injected: injected.contains("\(namespace)/\(pod)"),
                ports: ports, podIPs: withIPs ? [IPAddress("10.0.\(n + 1).\(p + 1)")!] : [], services: [pod]))
        }
    }
    return workloads
}

/// Policy objects from an inline YAML stream, as if read from `file`.
func policies(_ yaml: String, file: String = "policies.yaml") throws -> [PolicyObject] {
    try YAMLParser.parse(yaml, file: file).map { PolicyObject(body: $0.root, file: file) }
}

func model(_ yaml: String, _ workloads: [Workload] = xyzCluster(), settings: MeshSettings = MeshSettings()) throws -> ReachabilityModel {
    let model = ReachabilityModel(workloads: workloads, policies: try policies(yaml), settings: settings)
    #expect(model.problems.isEmpty, "\(model.problems)")
    return model
}

extension ReachabilityModel {
    /// The verdict's outcome for `from` → `to` ("ns/pod") on a port.
    func outcome(_ from: String, _ to: String, _ port: Int = 80, _ proto: String = "TCP") -> Outcome? {
        verdict(from, to, port, proto)?.outcome
    }

    func verdict(_ from: String, _ to: String, _ port: Int = 80, _ proto: String = "TCP") -> Verdict? {
        guard let source = workloads.first(where: { $0.id.description == from }),
              let destination = workloads.first(where: { $0.id.description == to }),
              let target = destination.ports.first(where: { $0.number == port && $0.proto == proto }) else { return nil }
        return verdict(from: source.id, to: destination.id, port: target)
    }

    /// Every pair (other than a workload to itself) that is not allowed on the port, as
    /// "x/a→y/b" (the e2e tests' truth table, written as its exceptions).
    func blocked(_ port: Int = 80, _ proto: String = "TCP", outcome: Outcome = .denied) -> Set<String> {
        var result: Set<String> = []
        for source in workloads {
            for destination in workloads where source.id != destination.id {
                guard let target = destination.ports.first(where: { $0.number == port && $0.proto == proto }) else { continue }
                if verdict(from: source.id, to: destination.id, port: target)?.outcome == outcome {
                    result.insert("\(source.id)→\(destination.id)")
                }
            }
        }
        return result
    }
}

/// All pairs "s→d" for sources and destinations given as "ns/pod" lists (self pairs left out).
func pairs(from sources: [String], to destinations: [String]) -> Set<String> {
    var result: Set<String> = []
    for s in sources { for d in destinations where s != d { result.insert("\(s)→\(d)") } }
    return result
}

let allPods = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]
