public import YAML

/// One object of the desired state, rendered from a manifest in the config repository.
public struct ManifestObject: Sendable {
    public var key: ObjectKey
    public var apiVersion: String
    /// The whole object as it will be applied (tracking labels included).
    public var body: Node
    public var bundle: String
    public var source: SourceLocation

    public init(key: ObjectKey, apiVersion: String, body: Node, bundle: String, source: SourceLocation) {
        self.key = key
        self.apiVersion = apiVersion
        self.body = body
        self.bundle = bundle
        self.source = source
    }

    public var labels: [String: String] { body.labels }
    public var annotations: [String: String] { body.annotations }
}

extension Node {
    /// `metadata.labels` as strings (non-string values are ignored: the API would refuse them).
    public var labels: [String: String] { stringMap(at: ["metadata", "labels"]) }
    /// `metadata.annotations` as strings.
    public var annotations: [String: String] { stringMap(at: ["metadata", "annotations"]) }
    public var name: String? { self[path: ["metadata", "name"]]?.string }
    public var namespace: String? { self[path: ["metadata", "namespace"]]?.string }
    public var apiVersion: String? { self["apiVersion"]?.string }
    public var kind: String? { self["kind"]?.string }

    public func stringMap(at path: [String]) -> [String: String] {
        guard let entries = self[path: path]?.entries else { return [:] }
        var result: [String: String] = [:]
        for entry in entries { if let s = entry.value.string { result[entry.key] = s } }
        return result
    }

    /// Sets a value at a path of mapping keys, creating mappings on the way.
    public mutating func set(_ value: Node, at path: [String]) {
        set(value, at: path[...])
    }

    /// In place all the way down (`editEntries`): the renderer stamps four fields into every
    /// object, and copying `metadata` and `labels` for each was about 6% of its instructions.
    private mutating func set(_ value: Node, at path: ArraySlice<String>) {
        guard let first = path.first else { self = value; return }
        editEntries { entries in
            if let index = entries.firstIndex(where: { $0.key == first }) {
                if !entries[index].value.isMapping && path.count > 1 { entries[index].value = Node(.mapping([])) }
                entries[index].value.set(value, at: path.dropFirst())
            } else {
                var child = Node(.mapping([]))
                child.set(value, at: path.dropFirst())
                entries.append(Entry(key: first, value: child))
            }
        }
    }

    /// Removes the value at a path; empty parent mappings are left in place.
    public mutating func remove(at path: [String]) {
        guard let first = path.first else { return }
        if path.count == 1 { self[first] = nil; return }
        guard var child = self[first] else { return }
        child.remove(at: Array(path.dropFirst()))
        self[first] = child
    }
}
