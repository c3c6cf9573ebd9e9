import Kube
import JSON
import ReconcileCore
import YAML

/// Reads what the planner needs from the cluster with as few requests as possible: one
/// paginated LIST per managed kind (all objects for kinds in the desired set, only this
/// instance's tracked objects for the other allowlisted kinds), the namespaces, the Services
/// that routes may name, and the workloads and pods of namespaces whose injection reconcile
/// manages. Kinds are listed concurrently, and can start before the desired state is rendered
/// (`prefetch`), from a guess at its outline.
///
/// Each LIST page is dealt with as it comes in and then let go: its objects are judged against
/// the desired state there and then (`LiveState.Item(json:…judgedAgainst:)`), and only the facts
/// of an unchanged object, or a copy of one that is not, outlive the page. A LIST started before
/// the render waits for it after its first page (`DesiredPromise`).
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

    /// One LIST: a collection, optionally one namespace of it, optionally only one instance's objects.
    struct Query: Hashable, Sendable {
        var resource: APIResource
        var namespace: String?
        /// Only objects labelled `reconcile.dev/instance=<trackedBy>`.
        var trackedBy: String?

        /// Whether this LIST's items include every item of `other` (which are then picked out
        /// by `filter`).
        func covers(_ other: Query) -> Bool {
            resource == other.resource && (namespace == nil || namespace == other.namespace) && (trackedBy == nil || trackedBy == other.trackedBy)
        }

        func filter(_ items: [LiveState.Item]) -> [LiveState.Item] {
            guard namespace != nil || trackedBy != nil else { return items }
            return items.filter { item in
                (namespace == nil || item.key.namespace == namespace)
                    && (trackedBy == nil || item.instanceLabel == trackedBy)
            }
        }
    }

    /// LISTs started ahead of the render. Unused ones are cancelled when this is released.
    public final class Prefetch: Sendable {
        let lists: [Query: Task<[LiveState.Item], any Error>]
        /// What the LISTs wait for before their second page: the desired state `load` is given.
        let desired: DesiredPromise

        init(lists: [Query: Task<[LiveState.Item], any Error>], desired: DesiredPromise) {
            self.lists = lists
            self.desired = desired
        }

        deinit { for task in lists.values { task.cancel() } }

        /// The started LIST that returns at least `query`'s items.
        func list(covering query: Query) -> (Query, Task<[LiveState.Item], any Error>)? {
            if let task = lists[query] { return (query, task) }
            return lists.first { $0.key.covers(query) }.map { ($0.key, $0.value) }
        }
    }

    /// Starts the LISTs `outline` calls for and returns at once (after discovery). Failures
    /// surface in `load`, or not at all when the render shows the LIST is not needed.
    public func prefetch(_ outline: DesiredOutline) async -> Prefetch {
        let desired = DesiredPromise()
        guard let queries = try? await queries(for: outline) else { return Prefetch(lists: [:], desired: desired) }
        var lists: [Query: Task<[LiveState.Item], any Error>] = [:]
        for query in queries { lists[query] = start(query, desired: desired) }
        return Prefetch(lists: lists, desired: desired)
    }

    public func load(for desired: DesiredState, prefetched: Prefetch? = nil) async throws -> LiveState {
        let outline = desired.outline
        prefetched?.desired.fulfill(desired)
        let promise = DesiredPromise(desired)
        let lists = try await queries(for: outline).map { query -> (Query, Task<[LiveState.Item], any Error>) in
            if let (started, task) = prefetched?.list(covering: query) {
                return (query, started == query ? task : Task { query.filter(try await task.value) })
            }
            return (query, start(query, desired: promise))
        }
        // Items are added as each LIST completes, so building the state overlaps the others.
        var state = LiveState()
        state.reserveCapacity(desired.objects.count)
        let injected = outline.injectedNamespaces
        do {
            try await withTaskCancellationHandler {
                try await withThrowingTaskGroup(of: [LiveState.Item].self) { group in
                    for (_, task) in lists { group.addTask { try await task.value } }
                    for try await items in group {
                        for item in items {
                            let key = item.key
                            if !key.namespace.isEmpty, !injected.contains(key.namespace),
                                (key.kind == "Pod" && key.group.isEmpty) || Allowlist.workloadKinds.contains(key.groupKind) { continue }
                            state.insert(item)
                        }
                    }
                }
            } onCancel: {
                for (_, task) in lists { task.cancel() }
            }
        } catch {
            for (_, task) in lists { task.cancel() }
            throw error
        }
        return state
    }

    /// One LIST, each page's items judged into `LiveState.Item`s on the task that fetched it,
    /// once the desired state is there, before the next page is asked for.
    private func start(_ query: Query, desired promise: DesiredPromise) -> Task<[LiveState.Item], any Error> {
        let cluster = self.cluster, pageSize = self.pageSize
        return Task {
            let selector = query.trackedBy.map { "\(Tracking.instanceLabel)=\($0)" }
            var items: [LiveState.Item] = []
            _ = try await cluster.listPages(query.resource, namespace: query.namespace, labelSelector: selector,
                                            limit: pageSize) { page in
                if page.isFirst { items = [] }
                let desired = try await promise.value()
                // Captures the type's names, not the page: nothing kept may hold the page.
                let decode: @Sendable (JSONView) -> Node = { [apiVersion = page.itemAPIVersion, kind = page.itemKind] in
                    ListResult.decode($0, apiVersion: apiVersion, kind: kind)
                }
                for json in page.items {
                    if let item = LiveState.Item(json: json, listAPIVersion: page.itemAPIVersion,
                                                 listKind: page.itemKind, decode: decode, judgedAgainst: desired) {
                        items.append(item)
                    }
                }
            }
            return items
        }
    }

    /// The LISTs a plan of a desired state with this outline needs.
    func queries(for outline: DesiredOutline) async throws -> [Query] {
        var queries: [Query] = []
        for entry in Allowlist.entries {
            let groupKind = entry.groupKind
            let resource: APIResource
            do {
                resource = try await cluster.resource(group: groupKind.group, kind: groupKind.kind, version: nil)
            } catch let error as KubeError where error.isNotFound {
                if outline.kinds.contains(groupKind) {
                    throw LoadError(description: "the cluster does not serve \(groupKind) (is its CRD installed?), which the config repository uses")
                }
                continue
            }
            if groupKind == GroupKind(group: "", kind: "Namespace") {
                queries.append(Query(resource: resource))
            } else {
                queries.append(Query(resource: resource, trackedBy: outline.kinds.contains(groupKind) ? nil : outline.instance))
            }
        }
        // Services of the namespaces desired objects live in: route hosts are checked against them.
        if !outline.namespaces.isEmpty {
            let services = try await cluster.resource(group: "", kind: "Service", version: nil)
            if outline.namespaces.count <= 8 {
                for namespace in outline.namespaces.sorted() { queries.append(Query(resource: services, namespace: namespace)) }
            } else {
                queries.append(Query(resource: services))
            }
        }
        let injected = outline.injectedNamespaces
        if !injected.isEmpty {
            let perNamespace = injected.count <= 8
            for (group, kind) in [("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("", "Pod")] {
                let resource = try await cluster.resource(group: group, kind: kind, version: nil)
                if perNamespace {
                    for namespace in injected.sorted() { queries.append(Query(resource: resource, namespace: namespace)) }
                } else {
                    queries.append(Query(resource: resource))
                }
            }
        }
        return queries
    }
}
