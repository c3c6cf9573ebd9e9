import YAML

/// One REST resource the server serves (`virtualservices` in `networking.istio.io`): names,
/// scope, the versions it is visible in and, for custom resources, the schema of each version.
struct ResourceType: Sendable {
    var group: String
    /// Served versions in the order discovery lists them (preferred first).
    var versions: [String]
    var storageVersion: String
    var plural: String
    var singular: String
    var kind: String
    var namespaced: Bool
    var shortNames: [String] = []
    var categories: [String] = []
    var isCustom: Bool
    var hasStatus: Bool
    /// Verbs in discovery order (CRDs list `delete, deletecollection, get, list, patch, create, update, watch`).
    var verbs: [String] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    var schemas: [String: StructuralSchema] = [:]
    /// PUT without `metadata.resourceVersion` is an unconditional update (ConfigMaps yes, CRs and Leases no).
    var allowsUnconditionalUpdate = true

    var key: String { "\(group)/\(plural)" }
    var listKind: String { kind + "List" }
    /// `virtualservices.networking.istio.io`, or just `configmaps` for the core group.
    var qualifiedPlural: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// `VirtualService.networking.istio.io` as used in 409/422 messages.
    var qualifiedKind: String { group.isEmpty ? kind : "\(kind).\(group)" }

    func apiVersion(_ version: String) -> String { group.isEmpty ? version : "\(group)/\(version)" }

    func schema(_ version: String) -> StructuralSchema { schemas[version] ?? schemas[storageVersion] ?? .anything }

    var hasCELRules: Bool { schemas.values.contains { $0.hasCELRules } }
}

extension ResourceType {
    /// Reads a CustomResourceDefinition manifest.
    init?(crd: Node) {
        guard crd["kind"]?.string == "CustomResourceDefinition", let spec = crd["spec"],
              let group = spec["group"]?.string, let names = spec["names"] else { return nil }
        var served: [String] = []
        var storage = ""
        var schemas: [String: StructuralSchema] = [:]
        var status = false
        for version in spec["versions"]?.sequence ?? [] {
            guard let name = version["name"]?.string else { continue }
            if version["served"]?.bool ?? true { served.append(name) }
            if version["storage"]?.bool == true { storage = name }
            if let schema = version[path: ["schema", "openAPIV3Schema"]] { schemas[name] = StructuralSchema(schema) }
            if version[path: ["subresources", "status"]] != nil { status = true }
        }
        guard !served.isEmpty else { return nil }
        self.group = group
        self.versions = served.sorted { KubeVersion.priority($0) > KubeVersion.priority($1) }
        self.storageVersion = storage.isEmpty ? served[0] : storage
        self.plural = names["plural"]?.string ?? ""
        self.kind = names["kind"]?.string ?? ""
        self.singular = names["singular"]?.string ?? kind.lowercased()
        self.namespaced = spec["scope"]?.string != "Cluster"
        self.shortNames = names["shortNames"]?.sequence?.compactMap(\.string) ?? []
        self.categories = names["categories"]?.sequence?.compactMap(\.string) ?? []
        self.isCustom = true
        self.hasStatus = status
        self.verbs = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]
        self.schemas = schemas
        self.allowsUnconditionalUpdate = false
    }
}

/// Kubernetes version ordering (`v1` > `v1beta2` > `v1beta1` > `v1alpha1`), used to pick the
/// preferred version of a group as discovery does.
enum KubeVersion {
    static func priority(_ version: String) -> Int {
        let scanner = Array(version)
        guard scanner.first == "v" else { return 0 }
        var index = 1
        var major = 0
        while index < scanner.count, let digit = scanner[index].wholeNumberValue { major = major * 10 + digit; index += 1 }
        let rest = String(scanner[index...])
        var stage = 3
        var minor = 0
        if rest.hasPrefix("beta") { stage = 2; minor = Int(rest.dropFirst(4)) ?? 0 }
        else if rest.hasPrefix("alpha") { stage = 1; minor = Int(rest.dropFirst(5)) ?? 0 }
        else if !rest.isEmpty { return 0 }
        return stage * 1_000_000 + major * 1000 + minor
    }
}
