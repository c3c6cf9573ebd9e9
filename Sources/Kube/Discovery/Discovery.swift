import Foundation
import HTTP
import JSON
import YAML

/// Maps (group, kind, version?) to the served resource, from API discovery. Tries aggregated
/// discovery first (all groups, versions and resources in two requests: `/api` and `/apis`),
/// and falls back to legacy discovery (`/api`, `/apis`, then `/api/v1` or `/apis/<g>/<v>` per
/// group-version, fetched only when a kind in it is asked for) when the server answers 406 or
/// ignores the aggregated media type. Results are cached; a kind that is not found triggers one
/// refresh (a CRD may have been installed since), then a NotFound error.
actor Discovery {
    /// Fetches `path` with an `Accept` header; returns the response for 2xx and the statuses in
    /// `passthrough`, throws `KubeError` otherwise.
    typealias Fetch = @Sendable (_ path: String, _ accept: String, _ passthrough: Set<Int>) async throws -> HTTPResponse

    static let aggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"

    enum Mode: Sendable, Equatable { case aggregated, legacy }

    /// A group's served versions, preferred first.
    struct Group: Sendable {
        var versions: [String]
    }

    private let fetch: Fetch
    private var groups: [String: Group] = [:]
    /// Resources per `group/version` key ("" group: "/v1"), when known.
    private var resources: [String: [APIResource]] = [:]
    private var loaded = false
    private(set) var mode: Mode?
    private var loading: Task<Void, any Error>?
    /// Completed loads (initial one and refreshes), for tests.
    private(set) var loads = 0

    init(fetch: @escaping Fetch) {
        self.fetch = fetch
    }

    func resource(group: String, kind: String, version: String?) async throws -> APIResource {
        if !loaded { try await load() }
        if let found = try await find(group: group, kind: kind, version: version) { return found }
        try await load()
        if let found = try await find(group: group, kind: kind, version: version) { return found }
        let what = version.map { "\(group.isEmpty ? "" : group + "/")\($0)" } ?? (group.isEmpty ? "the core group" : "group \(group)")
        throw KubeError(code: 404, reason: "NotFound", message: "the server does not serve kind \(kind) in \(what)", verb: "discover", object: kind)
    }

    /// Drops the cache; the next lookup loads again.
    func invalidate() {
        loaded = false
    }

    private func key(_ group: String, _ version: String) -> String { "\(group)/\(version)" }

    private func find(group: String, kind: String, version: String?) async throws -> APIResource? {
        guard let info = groups[group] else { return nil }
        let candidates = version.map { [$0] } ?? info.versions
        for candidate in candidates where info.versions.contains(candidate) {
            if resources[key(group, candidate)] == nil, mode == .legacy {
                try await loadLegacyResources(group: group, version: candidate)
            }
            if let match = resources[key(group, candidate)]?.first(where: { $0.kind == kind }) { return match }
        }
        return nil
    }

    /// Loads (or refreshes) the cache. Lookups that arrive while a load is running wait for that
    /// load instead of starting their own, so concurrent callers cost one discovery.
    private func load() async throws {
        if let loading { return try await loading.value }
        let task = Task { try await performLoad() }
        loading = task
        defer { loading = nil }
        try await task.value
    }

    private func performLoad() async throws {
        groups = [:]
        resources = [:]
        let core = try await fetch("/api", Self.aggregatedAccept, [406])
        let apis = try await fetch("/apis", Self.aggregatedAccept, [406])
        if Self.isAggregated(core), Self.isAggregated(apis) {
            try ingestAggregated(core.body, path: "/api")
            try ingestAggregated(apis.body, path: "/apis")
            mode = .aggregated
        } else {
            try await loadLegacyGroups()
            mode = .legacy
        }
        loaded = true
        loads += 1
    }

    static func isAggregated(_ response: HTTPResponse) -> Bool {
        guard (200..<300).contains(response.status) else { return false }
        let contentType = response.header("content-type")?.lowercased() ?? ""
        return contentType.contains("as=apigroupdiscoverylist")
    }

    private func ingestAggregated(_ body: [UInt8], path: String) throws {
        for (group, info, list) in try Self.parseAggregated(body, path: path) {
            groups[group] = info
            for (version, items) in list { resources[key(group, version)] = items }
        }
    }

    /// Parses an `APIGroupDiscoveryList` (apidiscovery.k8s.io/v2): per group its versions in
    /// preference order, each with its resources (subresources left out).
    static func parseAggregated(_ body: [UInt8], path: String) throws -> [(String, Group, [(String, [APIResource])])] {
        let root = try parseJSON(body, path: path)
        guard root["kind"]?.string == "APIGroupDiscoveryList" else {
            throw KubeError(code: 200, message: "expected APIGroupDiscoveryList, got \(root["kind"]?.scalarText ?? "no kind")", verb: "discover", object: path)
        }
        var result: [(String, Group, [(String, [APIResource])])] = []
        for item in root["items"]?.sequence ?? [] {
            let group = item[path: ["metadata", "name"]]?.string ?? ""
            var versions: [String] = []
            var lists: [(String, [APIResource])] = []
            for entry in item["versions"]?.sequence ?? [] {
                guard let version = entry["version"]?.string else { continue }
                versions.append(version)
                let items = (entry["resources"]?.sequence ?? []).compactMap { resource -> APIResource? in
                    guard let name = resource["resource"]?.string, let kind = resource[path: ["responseKind", "kind"]]?.string else { return nil }
                    return APIResource(group: group, version: version, kind: kind, name: name,
                                       namespaced: resource["scope"]?.string == "Namespaced",
                                       verbs: (resource["verbs"]?.sequence ?? []).compactMap(\.string))
                }
                lists.append((version, items))
            }
            result.append((group, Group(versions: versions), lists))
        }
        return result
    }

    private func loadLegacyGroups() async throws {
        let core = try await fetch("/api", "application/json", [])
        let coreRoot = try Self.parseJSON(core.body, path: "/api")
        let coreVersions = (coreRoot["versions"]?.sequence ?? []).compactMap(\.string)
        groups[""] = Group(versions: coreVersions.isEmpty ? ["v1"] : coreVersions)
        let apis = try await fetch("/apis", "application/json", [])
        for (name, group) in try Self.parseGroupList(apis.body) { groups[name] = group }
    }

    /// Parses an `APIGroupList`: versions with the preferred one first.
    static func parseGroupList(_ body: [UInt8]) throws -> [(String, Group)] {
        let root = try parseJSON(body, path: "/apis")
        return (root["groups"]?.sequence ?? []).compactMap { group in
            guard let name = group["name"]?.string else { return nil }
            var versions = (group["versions"]?.sequence ?? []).compactMap { $0["version"]?.string }
            if let preferred = group[path: ["preferredVersion", "version"]]?.string, let index = versions.firstIndex(of: preferred) {
                versions.remove(at: index)
                versions.insert(preferred, at: 0)
            }
            return (name, Group(versions: versions))
        }
    }

    private func loadLegacyResources(group: String, version: String) async throws {
        let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        let response = try await fetch(path, "application/json", [])
        resources[key(group, version)] = try Self.parseResourceList(response.body, group: group, version: version, path: path)
    }

    /// Parses an `APIResourceList`, leaving out subresources (`virtualservices/status`).
    static func parseResourceList(_ body: [UInt8], group: String, version: String, path: String) throws -> [APIResource] {
        let root = try parseJSON(body, path: path)
        return (root["resources"]?.sequence ?? []).compactMap { resource in
            guard let name = resource["name"]?.string, !name.contains("/"), let kind = resource["kind"]?.string else { return nil }
            return APIResource(group: group, version: version, kind: kind, name: name, namespaced: resource["namespaced"]?.bool ?? false,
                               verbs: (resource["verbs"]?.sequence ?? []).compactMap(\.string))
        }
    }

    static func parseJSON(_ body: [UInt8], path: String) throws -> Node {
        do {
            return try Node(json: body, file: path)
        } catch {
            throw KubeError(code: 200, message: "discovery answer is not JSON: \(error)", verb: "discover", object: path)
        }
    }
}
