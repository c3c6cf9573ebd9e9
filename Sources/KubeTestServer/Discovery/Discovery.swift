import Crypto
import Foundation
import JSON
import YAML

/// Discovery documents: `/version`, legacy `/api`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>` and the
/// aggregated `APIGroupDiscoveryList` (v2) for `/api` and `/apis` (transcripts 001-011).
struct Discovery {
    let registry: ResourceRegistry
    let serverAddress: String

    static let aggregatedType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    static let version: Node = [
        "major": "1", "minor": "36", "emulationMajor": "1", "emulationMinor": "36",
        "minCompatibilityMajor": "1", "minCompatibilityMinor": "35", "gitVersion": "v1.36.2",
        "gitCommit": "8e16b12fda5b1dccc41a6de48b3e356cc7d5048b", "gitTreeState": "clean",
        "buildDate": "2026-11-22T07:25:32Z", "goVersion": "go1.26.4", "compiler": "gc", "platform": "linux/amd64",
    ]

    /// The response for a discovery path, or nil when the path is a resource path.
    func answer(segments: [String], request: APIRequest) throws(APIError) -> APIResponse? {
        let accept = request.header("Accept") ?? "application/json"
        let wantsAggregated = accept.contains("apidiscovery.k8s.io")
        let acceptsV2 = accept.split(separator: ",").contains { $0.contains("v=v2;") || $0.hasSuffix("v=v2") }
        let acceptsPlain = accept.split(separator: ",").contains { part in
            let media = part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return (media == "application/json" && !part.contains("apidiscovery")) || media == "*/*" || media == "application/*"
        }
        switch segments.count {
        case 1:
            if wantsAggregated {
                if acceptsV2 { return aggregated(core: segments[0] == "api", request: request) }
                if !acceptsPlain { throw APIError.notAcceptable }
            }
            if segments[0] == "api" {
                return APIResponse(status: 200, json: ["kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]])
            }
            let groups = registry.groupOrder.filter { !$0.isEmpty }.map(apiGroup)
            return APIResponse(status: 200, json: ["kind": "APIGroupList", "apiVersion": "v1", "groups": .sequence(groups)])
        case 2 where segments[0] == "api":
            if wantsAggregated && !acceptsPlain { throw APIError.notAcceptable }
            guard segments[1] == "v1" else { throw APIError.pageNotFound }
            return APIResponse(status: 200, json: resourceList(group: "", version: "v1"))
        case 2:
            if wantsAggregated && !acceptsPlain { throw APIError.notAcceptable }
            guard registry.groupOrder.contains(segments[1]), !segments[1].isEmpty else { throw APIError.pageNotFound }
            var group = apiGroup(segments[1])
            group = Node.object(["kind": "APIGroup", "apiVersion": "v1"]).merging(group)
            return APIResponse(status: 200, json: group)
        case 3 where segments[0] == "apis":
            if wantsAggregated && !acceptsPlain { throw APIError.notAcceptable }
            guard registry.hasGroupVersion(segments[1], segments[2]) else { throw APIError.pageNotFound }
            return APIResponse(status: 200, json: resourceList(group: segments[1], version: segments[2]))
        default:
            return nil
        }
    }

    private func apiGroup(_ name: String) -> Node {
        let versions = registry.versions(group: name)
        let list: [Node] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return Node.object(["name": .string(name), "versions": .sequence(list),
                            "preferredVersion": ["groupVersion": .string("\(name)/\(versions[0])"), "version": .string(versions[0])]])
    }

    private func resourceList(group: String, version: String) -> Node {
        var resources: [Node] = []
        for type in registry.types(group: group, version: version) {
            var entry: Node = ["name": .string(type.plural), "singularName": .string(type.singular),
                               "namespaced": .bool(type.namespaced), "kind": .string(type.kind),
                               "verbs": .sequence(type.verbs.map { .string($0) })]
            if !type.shortNames.isEmpty { entry["shortNames"] = .sequence(type.shortNames.map { .string($0) }) }
            if !type.categories.isEmpty { entry["categories"] = .sequence(type.categories.map { .string($0) }) }
            entry["storageVersionHash"] = .string(Self.storageVersionHash(type))
            resources.append(entry)
            if type.hasStatus {
                resources.append(["name": .string(type.plural + "/status"), "singularName": "", "namespaced": .bool(type.namespaced),
                                  "kind": .string(type.kind), "verbs": ["get", "patch", "update"]])
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                "resources": .sequence(resources)]
    }

    /// base64 of the first 8 bytes of sha256("<group>/<storage version>/<kind>").
    static func storageVersionHash(_ type: ResourceType) -> String {
        let digest = SHA256.hash(data: Data("\(type.group)/\(type.storageVersion)/\(type.kind)".utf8))
        return Data(Array(digest).prefix(8)).base64EncodedString()
    }

    private func aggregated(core: Bool, request: APIRequest) -> APIResponse {
        let groups = core ? [""] : registry.groupOrder.filter { !$0.isEmpty }
        var items: [Node] = []
        for group in groups {
            var versions: [Node] = []
            for version in registry.versions(group: group) {
                let types = registry.types(group: group, version: version).sorted { $0.plural < $1.plural }
                let resources: [Node] = types.map { type in
                    let kind: Node = ["group": .string(group), "version": .string(core ? "" : version), "kind": .string(type.kind)]
                    var entry = Node.object(["resource": .string(type.plural), "responseKind": kind])
                    entry["scope"] = .string(type.namespaced ? "Namespaced" : "Cluster")
                    entry["singularResource"] = .string(type.singular)
                    entry["verbs"] = .sequence(type.verbs.map { .string($0) })
                    if !type.shortNames.isEmpty { entry["shortNames"] = .sequence(type.shortNames.map { .string($0) }) }
                    if !type.categories.isEmpty { entry["categories"] = .sequence(type.categories.map { .string($0) }) }
                    if type.hasStatus {
                        entry["subresources"] = [Node.object(["subresource": "status", "responseKind": kind, "verbs": ["get", "patch", "update"]])]
                    }
                    return entry
                }
                versions.append(Node.object(["version": .string(version), "resources": .sequence(resources), "freshness": "Current"]))
            }
            let metadata: Node = group.isEmpty ? [:] : ["name": .string(group)]
            items.append(Node.object(["metadata": metadata, "versions": .sequence(versions)]))
        }
        let body = Node.object(["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": [:], "items": .sequence(items)])
        let bytes = Array(body.jsonString().utf8)
        let etag = "\"" + SHA512.hash(data: Data(bytes)).map { String(format: "%02X", $0) }.joined() + "\""
        if request.header("If-None-Match") == etag {
            return APIResponse(status: 304, headers: [("Etag", etag), ("Vary", "Accept")], body: [])
        }
        return APIResponse(status: 200, headers: [("Content-Type", Self.aggregatedType), ("Etag", etag), ("Vary", "Accept")], body: bytes)
    }
}

extension Node {
    /// This mapping followed by the other's entries.
    func merging(_ other: Node) -> Node {
        var result = self
        for entry in other.entries ?? [] { result[entry.key] = entry.value }
        return result
    }
}
