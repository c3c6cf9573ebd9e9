public import YAML

/// Moves an object's server-side-apply ownership from the legacy shared field manager
/// (`reconcile`) to the instance's own (`reconcile/<instance>`), as client-go's `csaupgrade` does:
/// the legacy Apply entry's fields are merged into the instance's Apply entry and the legacy entry
/// is dropped. Sent as a merge patch of `metadata.managedFields` guarded by `resourceVersion`; the
/// API server takes non-empty `managedFields` from a patch as given. Pure, so it is tested on
/// recorded `managedFields` lists.
public enum FieldManagerMigration {
    /// The object's `managedFields` after the move, or nil when the legacy manager owns nothing.
    public static func migratedManagedFields(of object: Node, instance: String) -> Node? {
        guard let entries = object[path: ["metadata", "managedFields"]]?.sequence else { return nil }
        let legacy = Tracking.legacyFieldManager
        let own = Tracking.fieldManager(instance: instance)
        func isApply(_ entry: Node, _ manager: String) -> Bool {
            entry["manager"]?.string == manager && entry["operation"]?.string == "Apply" && entry["subresource"] == nil
        }
        guard let legacyIndex = entries.firstIndex(where: { isApply($0, legacy) }) else { return nil }
        var result = entries
        let legacyEntry = result.remove(at: legacyIndex)
        if let ownIndex = result.firstIndex(where: { isApply($0, own) }) {
            var merged = result[ownIndex]
            merged["fieldsV1"] = union(merged["fieldsV1"] ?? [:], legacyEntry["fieldsV1"] ?? [:])
            result[ownIndex] = merged
        } else {
            var renamed = legacyEntry
            renamed["manager"] = .string(own)
            result.insert(renamed, at: legacyIndex)
        }
        return .sequence(result)
    }

    /// The merge patch that carries the move out, pinned to the live `resourceVersion` so a
    /// concurrent write makes it fail (409) rather than overwrite newer ownership.
    public static func patch(for object: Node, instance: String) -> Node? {
        guard let fields = migratedManagedFields(of: object, instance: instance),
              let version = object[path: ["metadata", "resourceVersion"]]?.string else { return nil }
        return ["metadata": ["resourceVersion": .string(version), "managedFields": fields]]
    }

    /// The union of two `fieldsV1` trees (`f:`/`k:`/`v:` keys map to sub-trees; `.` marks the
    /// node itself).
    static func union(_ a: Node, _ b: Node) -> Node {
        guard let left = a.entries, let right = b.entries else { return a }
        var merged = a
        for entry in right {
            if let existing = left.first(where: { $0.key == entry.key }) {
                merged[entry.key] = union(existing.value, entry.value)
            } else {
                merged[entry.key] = entry.value
            }
        }
        return merged
    }
}
