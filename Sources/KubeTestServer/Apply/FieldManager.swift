import YAML

/// Server-side apply and Update-operation bookkeeping over `metadata.managedFields`: conflict
/// detection, forced ownership transfer, removal of fields an applier stopped sending, and the
/// shared ownership of equal values (transcripts 014-024).
struct FieldManager {
    var type: ResourceType
    var version: String
    var now: String

    private var schema: StructuralSchema { type.schema(version) }
    private var apiVersion: String { type.apiVersion(version) }

    /// Applies `applied` for `manager` onto `live` (nil: create). Throws a 409 on conflicts.
    func apply(live: Node?, applied: Node, manager: String, force: Bool) throws(APIError) -> Node {
        var entries = ManagedFieldsEntry.decode(live)
        let liveBody = Self.stripManaged(live)
        let appliedSet = FieldPaths.fields(of: applied, schema: schema, withParents: false, statusExcluded: type.hasStatus)

        var skeletonMeta: Node = [:]
        for key in ["name", "namespace"] { if let value = applied[path: ["metadata", key]] { skeletonMeta[key] = value } }
        var merged = liveBody ?? Node.object(["apiVersion": applied["apiVersion"] ?? nil, "kind": applied["kind"] ?? nil, "metadata": skeletonMeta])
        for entry in applied.entries ?? [] {
            switch entry.key {
            case "apiVersion", "kind": continue
            case "status" where type.hasStatus: continue
            case "metadata":
                var metadata = merged["metadata"] ?? [:]
                for meta in entry.value.entries ?? [] where ["labels", "annotations", "finalizers", "ownerReferences"].contains(meta.key) {
                    let metaSchema: StructuralSchema = meta.key == "finalizers" ? Self.setSchema
                        : meta.key == "ownerReferences" ? Self.ownerSchema : .anything
                    metadata[meta.key] = ObjectMerge.apply(metadata[meta.key], meta.value, schema: metaSchema)
                }
                merged["metadata"] = metadata
            default:
                merged[entry.key] = ObjectMerge.apply(merged[entry.key], entry.value, schema: schema.child(entry.key) ?? .anything)
            }
        }

        // Conflicts: fields this apply changes that another manager owns.
        var conflicts: [(manager: String, path: FieldSet.Path, entry: Int)] = []
        if let liveBody {
            for leaf in appliedSet.leaves {
                guard let old = FieldPaths.value(at: leaf, in: liveBody), FieldPaths.value(at: leaf, in: merged) != old else { continue }
                for (index, entry) in entries.enumerated() where !(entry.manager == manager && entry.operation == "Apply") {
                    if entry.fields.contains(leaf) { conflicts.append((entry.manager, leaf, index)) }
                }
            }
        }
        if !conflicts.isEmpty {
            if !force { throw Self.conflictError(conflicts.map { (entries[$0.entry], $0.path) }) }
            for conflict in conflicts { entries[conflict.entry].fields.paths.remove(conflict.path) }
        }

        // Fields this manager applied before but no longer sends, and nobody else owns.
        let mine = entries.firstIndex { $0.manager == manager && $0.operation == "Apply" && $0.subresource == nil }
        let previous = mine.map { entries[$0].fields } ?? FieldSet()
        let others = entries.enumerated().filter { $0.offset != mine }.reduce(FieldSet()) { $0.union($1.element.fields) }
        let stillOwned = others.union(appliedSet)
        for path in previous.subtracting(appliedSet).leaves where !others.contains(path) {
            FieldPaths.remove(path, from: &merged) { prefix in stillOwned.paths.contains { $0.starts(with: prefix) } }
        }
        if var metadata = merged["metadata"] {
            for key in ["labels", "annotations", "finalizers"] where metadata[key]?.entries?.isEmpty == true || metadata[key]?.sequence?.isEmpty == true {
                metadata[key] = nil
            }
            merged["metadata"] = metadata
        }

        let changed = liveBody.map { $0 != merged } ?? true
        let previousTime = mine.flatMap { entries[$0].time }
        let entry = ManagedFieldsEntry(manager: manager, operation: "Apply", apiVersion: apiVersion,
                                       time: changed ? now : previousTime, fields: appliedSet)
        if let mine { entries[mine] = entry } else { entries.append(entry) }
        merged["metadata"]?["managedFields"] = ManagedFieldsEntry.encode(entries)
        return merged
    }

    /// Records an Update operation (POST, PUT, merge/JSON patch) by `manager`: it takes the fields
    /// it changed, from whoever owned them; fields that disappeared leave every entry.
    func recordUpdate(old: Node?, new: inout Node, manager: String, subresource: String? = nil) {
        var entries = ManagedFieldsEntry.decode(old)
        var oldBody = Self.stripManaged(old)
        // Built-in kinds decode into Go structs whose `spec` always exists (a zero value), so
        // creating one never "adds" the spec map itself (no `"."` under `f:spec`, transcript 097).
        if !type.isCustom, new["spec"]?.isMapping == true, oldBody?["spec"] == nil {
            var base = oldBody ?? [:]
            base["spec"] = [:]
            oldBody = base
        }
        let newBody = Self.stripManaged(new) ?? new
        let oldFields = oldBody.map { FieldPaths.fields(of: $0, schema: schema, withParents: true, statusExcluded: subresource == nil && type.hasStatus) } ?? FieldSet()
        let newFields = FieldPaths.fields(of: newBody, schema: schema, withParents: true, statusExcluded: subresource == nil && type.hasStatus)
        let leaves = Set(newFields.leaves)
        var changed = FieldSet()
        for path in newFields.paths {
            let before = oldBody.flatMap { FieldPaths.value(at: path, in: $0) }
            if before == nil || (leaves.contains(path) && before != FieldPaths.value(at: path, in: newBody)) {
                changed.paths.insert(path)
            }
        }
        let removed = oldFields.subtracting(newFields)
        for index in entries.indices {
            entries[index].fields = entries[index].fields.subtracting(removed).subtracting(changed)
        }
        if !changed.isEmpty {
            if let index = entries.firstIndex(where: { $0.manager == manager && $0.operation == "Update" && $0.subresource == subresource }) {
                entries[index].fields = entries[index].fields.union(changed)
                entries[index].time = now
                entries[index].apiVersion = apiVersion
            } else {
                // Ownership already recorded for this manager elsewhere stays; the Update entry gets the change.
                let prior = ManagedFieldsEntry.decode(old).first { $0.manager == manager && $0.operation == "Update" && $0.subresource == subresource }
                entries.append(ManagedFieldsEntry(manager: manager, operation: "Update", apiVersion: apiVersion, time: now,
                                                  subresource: subresource, fields: changed.union(prior?.fields ?? FieldSet())))
            }
        }
        new["metadata"]?["managedFields"] = ManagedFieldsEntry.encode(entries)
    }

    static func stripManaged(_ object: Node?) -> Node? {
        guard var object else { return nil }
        object["metadata"]?["managedFields"] = nil
        return object
    }

    static let setSchema = StructuralSchema(["type": "array", "x-kubernetes-list-type": "set"])
    static let ownerSchema = StructuralSchema(["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["uid"]])

    /// `Apply failed with 1 conflict: conflict with "reconcile": .spec.http`, causes per field.
    static func conflictError(_ conflicts: [(ManagedFieldsEntry, FieldSet.Path)]) -> APIError {
        func who(_ entry: ManagedFieldsEntry) -> String {
            entry.operation == "Apply" ? "\"\(entry.manager)\"" : "\"\(entry.manager)\" using \(entry.apiVersion)"
        }
        let text: String
        if conflicts.count == 1 {
            text = "conflict with \(who(conflicts[0].0)): \(FieldSet.describe(conflicts[0].1))"
        } else {
            var lines: [String] = []
            var managers: [String] = []
            for (entry, _) in conflicts where !managers.contains(who(entry)) { managers.append(who(entry)) }
            for manager in managers {
                lines.append("conflicts with \(manager):")
                for (entry, path) in conflicts where who(entry) == manager { lines.append("- \(FieldSet.describe(path))") }
            }
            text = lines.joined(separator: "\n")
        }
        let causes: [Node] = conflicts.map { entry, path in
            ["reason": "FieldManagerConflict", "message": .string("conflict with \(who(entry))"), "field": .string(FieldSet.describe(path))]
        }
        let plural = conflicts.count == 1 ? "" : "s"
        return APIError(code: 409, reason: "Conflict", message: "Apply failed with \(conflicts.count) conflict\(plural): \(text)",
                        details: ["causes": .sequence(causes)])
    }
}
