import Kube
import ReconcileCore
import YAML

/// Reads what the planner needs from the cluster with as few requests as possible: one
/// paginated LIST per managed kind (all objects for kinds in the desired set, only this
/// instance's tracked objects for the other allowlisted kinds), the namespaces, the Services
/// that routes may name, and the workloads and pods of namespaces whose injection reconcile
/// manages. Kinds are listed
/// concurrently.
public struct LiveStateLoader: Sendable {
    public var cluster: any ClusterAPI
    public var pageSize: Int

    public init(cluster: any ClusterAPI, pageSize: Int = 500) {
        self.cluster = cluster
        self.pageSize = pageSize
    }

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public func load(for desired: DesiredState) async throws -> LiveState {
        let wantedKinds = Set(desired.objects.map(\.key.groupKind))
        let trackedSelector = "\(Tracking.instanceLabel)=\(desired.instance)"
        var queries: [(APIResource, String?, String?)] = []  // resource, namespace, selector

        for entry in Allowlist.entries {
            let groupKind = entry.groupKind
            let resource: APIResource
            do {
                resource = try await cluster.resource(group: groupKind.group, kind: groupKind.kind, version: nil)
            } catch let error as KubeError where error.isNotFound {
                if wantedKinds.contains(groupKind) {
                    throw LoadError(description: "the cluster does not serve \(groupKind) (is its CRD installed?), which the config repository uses")
                }
                continue
            }
            if groupKind == GroupKind(group: "", kind: "Namespace") {
                queries.append((resource, nil, nil))
            } else {
                queries.append((resource, nil, wantedKinds.contains(groupKind) ? nil : trackedSelector))
            }
        }
        // Services of the namespaces desired objects live in: route hosts are checked against them.
        let objectNamespaces = Set(desired.objects.map(\.key.namespace).filter { !$0.isEmpty })
        if !objectNamespaces.isEmpty {
            let services = try await cluster.resource(group: "", kind: "Service", version: nil)
            if objectNamespaces.count <= 8 {
                for namespace in objectNamespaces.sorted() { queries.append((services, namespace, nil)) }
            } else {
                queries.append((services, nil, nil))
            }
        }
        let injected = Set(desired.namespaceInjection.keys)
        if !injected.isEmpty {
            let perNamespace = injected.count <= 8
            for (group, kind) in [("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("", "Pod")] {
                let resource = try await cluster.resource(group: group, kind: kind, version: nil)
                if perNamespace {
                    for namespace in injected.sorted() { queries.append((resource, namespace, nil)) }
                } else {
                    queries.append((resource, nil, nil))
                }
            }
        }

        let cluster = self.cluster
        let pageSize = self.pageSize
        let results = try await withThrowingTaskGroup(of: [Node].self) { group in
            for (resource, namespace, selector) in queries {
                group.addTask {
                    let result = try await cluster.list(resource, namespace: namespace, labelSelector: selector, limit: pageSize)
                    // Items of a LIST carry no apiVersion/kind: stamp them from the resource.
                    let apiVersion = resource.group.isEmpty ? resource.version : "\(resource.group)/\(resource.version)"
                    return result.items.map { item in
                        var item = item
                        if item.apiVersion == nil { item["apiVersion"] = .string(apiVersion) }
                        if item.kind == nil { item["kind"] = .string(resource.kind) }
                        return item
                    }
                }
            }
            var all: [Node] = []
            for try await items in group { all += items }
            return all
        }
        var state = LiveState()
        for item in results {
            if let namespace = item.namespace, item.kind == "Pod" || Allowlist.workloadKinds.contains(GroupKind(group: "apps", kind: item.kind ?? "")),
                !injected.contains(namespace) { continue }
            state.insert(item)
        }
        return state
    }
}
