public import YAML
import ReconcileCore

/// Builds workloads from live objects: pods grouped by the controller that owns them
/// (ReplicaSet → Deployment, Job → CronJob, StatefulSet, DaemonSet; a pod nothing owns is its
/// own workload), with their namespace's labels, and ports from the pod spec and from the
/// Services that select them. A Deployment, StatefulSet or DaemonSet with no pod in the
/// snapshot is read from its pod template (a live plan lists pods only where injection matters).
public enum WorkloadInventory {
    /// `namespaces`: Namespace objects by name; `objects`: Pods, ReplicaSets, Jobs, Services,
    /// Deployments, StatefulSets, DaemonSets (other kinds are ignored).
    public static func build(namespaces: [String: Node], objects: [Node]) -> [Workload] {
        var replicaSetOwner: [String: WorkloadID] = [:]   // "ns/name" → Deployment
        var jobOwner: [String: WorkloadID] = [:]
        var services: [Node] = []
        var templates: [WorkloadID: Node] = [:]
        var pods: [Node] = []
        for object in objects {
            guard let kind = object.kind, let name = object.name else { continue }
            let namespace = object.namespace ?? ""
            switch kind {
            case "Pod": pods.append(object)
            case "Service": services.append(object)
            case "ReplicaSet":
                if let owner = controller(of: object), owner.kind == "Deployment" {
                    replicaSetOwner["\(namespace)/\(name)"] = WorkloadID(kind: "Deployment", namespace: namespace, name: owner.name)
                }
            case "Job":
                if let owner = controller(of: object), owner.kind == "CronJob" {
                    jobOwner["\(namespace)/\(name)"] = WorkloadID(kind: "CronJob", namespace: namespace, name: owner.name)
                }
            case "Deployment", "StatefulSet", "DaemonSet":
                templates[WorkloadID(kind: kind, namespace: namespace, name: name)] = object
            default: continue
            }
        }
        var groups: [WorkloadID: [Node]] = [:]
        for pod in pods {
            guard let name = pod.name else { continue }
            let namespace = pod.namespace ?? ""
            groups[owner(of: pod, name: name, namespace: namespace, replicaSets: replicaSetOwner, jobs: jobOwner), default: []].append(pod)
        }
        var workloads: [Workload] = []
        for (id, members) in groups {
            let first = members[0]
            let injected = members.allSatisfy { PodInjection.running(pod: $0).injected }
            var ips: [IPAddress] = []
            for pod in members {
                let listed = (pod[path: ["status", "podIPs"]]?.sequence ?? []).compactMap { $0["ip"]?.string }
                let all = listed.isEmpty ? [pod[path: ["status", "podIP"]]?.string].compactMap { $0 } : listed
                ips += all.compactMap(IPAddress.init)
            }
            workloads.append(workload(id: id, labels: first.labels, spec: first["spec"], injected: injected, ips: ips,
                                      namespaces: namespaces))
        }
        for (id, object) in templates where groups[id] == nil {
            let template = object[path: ["spec", "template"]]
            let namespaceLabels = namespaces[id.namespace]?.labels ?? [:]
            let injected = PodInjection.wanted(templateLabels: template?.labels ?? [:], templateAnnotations: template?.annotations ?? [:],
                                               namespaceLabels: namespaceLabels).injected
            workloads.append(workload(id: id, labels: template?.labels ?? [:], spec: template?["spec"], injected: injected, ips: [],
                                      namespaces: namespaces))
        }
        attach(services: services, to: &workloads)
        return workloads.sorted { $0.id < $1.id }
    }

    private static func workload(id: WorkloadID, labels: [String: String], spec: Node?, injected: Bool, ips: [IPAddress],
                                 namespaces: [String: Node]) -> Workload {
        var ports: [WorkloadPort] = []
        for container in spec?["containers"]?.sequence ?? [] {
            for port in container["ports"]?.sequence ?? [] {
                guard let number = port["containerPort"]?.int else { continue }
                let value = WorkloadPort(number: number, name: port["name"]?.string, proto: port["protocol"]?.string ?? "TCP")
                if !ports.contains(value) { ports.append(value) }
            }
        }
        let account = spec?["serviceAccountName"]?.string ?? spec?["serviceAccount"]?.string ?? "default"
        return Workload(id: id, labels: labels, namespaceLabels: namespaces[id.namespace]?.labels ?? [:], serviceAccount: account,
                        injected: injected, ports: ports, podIPs: ips)
    }

    /// Services add the target ports the pod spec does not declare, and their names.
    private static func attach(services: [Node], to workloads: inout [Workload]) {
        let byNamespace = Dictionary(grouping: workloads.indices, by: { workloads[$0].id.namespace })
        for service in services {
            guard let name = service.name, let selector = service[path: ["spec", "selector"]]?.entries, !selector.isEmpty else { continue }
            let namespace = service.namespace ?? ""
            let wanted = Dictionary(selector.compactMap { entry in entry.value.string.map { (entry.key, $0) } }, uniquingKeysWith: { a, _ in a })
            for index in byNamespace[namespace] ?? [] {
                guard wanted.allSatisfy({ workloads[index].labels[$0.key] == $0.value }) else { continue }
                workloads[index].services.append(name)
                for port in service[path: ["spec", "ports"]]?.sequence ?? [] {
                    let proto = port["protocol"]?.string ?? "TCP"
                    let target = port["targetPort"] ?? port["port"]
                    if let number = target?.int ?? target?.string.flatMap({ Int($0) }) {
                        if !workloads[index].ports.contains(where: { $0.number == number && $0.proto == proto }) {
                            workloads[index].ports.append(WorkloadPort(number: number, name: nil, proto: proto))
                        }
                    }
                }
                workloads[index].ports.sort()
                workloads[index].services.sort()
            }
        }
    }

    private static func owner(of pod: Node, name: String, namespace: String, replicaSets: [String: WorkloadID],
                              jobs: [String: WorkloadID]) -> WorkloadID {
        guard let controller = controller(of: pod) else { return WorkloadID(kind: "Pod", namespace: namespace, name: name) }
        switch controller.kind {
        case "ReplicaSet":
            if let deployment = replicaSets["\(namespace)/\(controller.name)"] { return deployment }
            // Without the ReplicaSet: its name is the Deployment's plus "-<pod-template-hash>".
            if let hash = pod.labels["pod-template-hash"], controller.name.hasSuffix("-" + hash) {
                return WorkloadID(kind: "Deployment", namespace: namespace, name: String(controller.name.dropLast(hash.count + 1)))
            }
            return WorkloadID(kind: "ReplicaSet", namespace: namespace, name: controller.name)
        case "Job":
            return jobs["\(namespace)/\(controller.name)"] ?? WorkloadID(kind: "Job", namespace: namespace, name: controller.name)
        default:
            return WorkloadID(kind: controller.kind, namespace: namespace, name: controller.name)
        }
    }

    private static func controller(of object: Node) -> (kind: String, name: String)? {
        for reference in object[path: ["metadata", "ownerReferences"]]?.sequence ?? [] where reference["controller"]?.bool == true {
            if let kind = reference["kind"]?.string, let name = reference["name"]?.string { return (kind, name) }
        }
        return nil
    }
}
