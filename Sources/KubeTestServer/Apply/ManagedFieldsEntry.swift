import YAML

/// One `metadata.managedFields[]` entry: who owns which fields, by which operation.
struct ManagedFieldsEntry: Sendable {
    var manager: String
    var operation: String
    var apiVersion: String
    var time: String?
    var subresource: String?
    var fields: FieldSet

    init(manager: String, operation: String, apiVersion: String, time: String?, subresource: String? = nil, fields: FieldSet) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource
        self.fields = fields
    }

    init?(_ node: Node) {
        guard let manager = node["manager"]?.string else { return nil }
        self.manager = manager
        operation = node["operation"]?.string ?? "Update"
        apiVersion = node["apiVersion"]?.string ?? ""
        time = node["time"]?.string
        subresource = node["subresource"]?.string
        fields = FieldSet(fieldsV1: node["fieldsV1"] ?? [:])
    }

    /// Go struct order (`manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource`);
    /// custom resources are re-sorted alphabetically when rendered.
    var node: Node {
        var node: Node = ["manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion)]
        if let time { node["time"] = .string(time) }
        node["fieldsType"] = "FieldsV1"
        node["fieldsV1"] = fields.fieldsV1
        if let subresource { node["subresource"] = .string(subresource) }
        return node
    }

    static func decode(_ object: Node?) -> [ManagedFieldsEntry] {
        object?[path: ["metadata", "managedFields"]]?.sequence?.compactMap(ManagedFieldsEntry.init) ?? []
    }

    /// Sorted as the apiserver encodes them: Apply before Update, then by time (none first),
    /// manager, subresource. Empty entries are dropped.
    static func encode(_ entries: [ManagedFieldsEntry]) -> Node? {
        let kept = entries.filter { !$0.fields.isEmpty }.sorted { p, q in
            if p.operation != q.operation { return p.operation < q.operation }
            if (p.time ?? "") != (q.time ?? "") { return (p.time ?? "") < (q.time ?? "") }
            if p.manager != q.manager { return p.manager < q.manager }
            return (p.subresource ?? "") < (q.subresource ?? "")
        }
        return kept.isEmpty ? nil : .sequence(kept.map(\.node))
    }
}
