import YAML

/// Every resource type by group, version and plural: built-ins first, then CRDs in install
/// order, which is the order discovery reports them in.
struct ResourceRegistry: Sendable {
    private(set) var types: [ResourceType] = []
    /// Groups in discovery order.
    private(set) var groupOrder: [String] = []

    init(crdManifests: [[UInt8]]) throws {
        for type in BuiltinResources.all() { add(type) }
        try add(crdManifests: crdManifests)
    }

    mutating func add(crdManifests: [[UInt8]]) throws {
        for (index, manifest) in crdManifests.enumerated() {
            for document in try YAMLParser.parse(manifest, file: "crd-\(index).yaml") {
                if let type = ResourceType(crd: document.root) { add(type) }
            }
        }
    }

    mutating func add(_ type: ResourceType) {
        if let existing = types.firstIndex(where: { $0.key == type.key }) {
            types[existing] = type
        } else {
            types.append(type)
        }
        if !groupOrder.contains(type.group) { groupOrder.append(type.group) }
    }

    func lookup(group: String, version: String, plural: String) -> ResourceType? {
        types.first { $0.group == group && $0.plural == plural && $0.versions.contains(version) }
    }

    func lookup(group: String, kind: String) -> ResourceType? {
        types.first { $0.group == group && $0.kind == kind }
    }

    /// The resource type of an apiVersion/kind pair (`networking.istio.io/v1`, `VirtualService`).
    func lookup(apiVersion: String, kind: String) -> (ResourceType, String)? {
        let (group, version) = Self.split(apiVersion)
        guard let type = types.first(where: { $0.group == group && $0.kind == kind && $0.versions.contains(version) }) else { return nil }
        return (type, version)
    }

    func hasGroupVersion(_ group: String, _ version: String) -> Bool {
        types.contains { $0.group == group && $0.versions.contains(version) }
    }

    func isCustomGroup(_ group: String) -> Bool {
        types.contains { $0.group == group && $0.isCustom } && !types.contains { $0.group == group && !$0.isCustom }
    }

    func types(group: String, version: String) -> [ResourceType] {
        types.filter { $0.group == group && $0.versions.contains(version) }
    }

    /// Versions of a group, preferred first.
    func versions(group: String) -> [String] {
        var result: [String] = []
        for type in types where type.group == group {
            for version in type.versions where !result.contains(version) { result.append(version) }
        }
        return result.sorted { KubeVersion.priority($0) > KubeVersion.priority($1) }
    }

    static func split(_ apiVersion: String) -> (group: String, version: String) {
        guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
        return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
    }
}
