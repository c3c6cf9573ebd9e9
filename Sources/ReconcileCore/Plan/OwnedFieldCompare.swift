public import YAML

/// The fast compare that lets an unchanged object cost nothing beyond the LIST: desired fields
/// must be a subset of live (server defaults and other managers' fields are not drift), and
/// fields reconcile owns in live `managedFields` but no longer wants are removals.
public enum OwnedFieldCompare {
    public struct Result: Sendable {
        /// Desired fields whose live value differs or is missing.
        public var changed: [FieldPath]
        /// Fields reconcile owns in live that the desired object no longer has.
        public var removed: [FieldPath]
        public var isUnchanged: Bool { changed.isEmpty && removed.isEmpty }
    }

    public static func compare(desired: Node, live: Node, manager: String = Tracking.fieldManager) -> Result {
        var changed: [FieldPath] = []
        subset(desired, live, path: FieldPath([]), changed: &changed)
        var removed: [FieldPath] = []
        if let owned = FieldSet.applied(by: manager, in: live) {
            for path in owned.paths where desired.value(at: path) == nil && live.value(at: path) != nil {
                removed.append(path)
            }
        }
        return Result(changed: changed, removed: removed)
    }

    /// Whether every field of `desired` is present with the same value in `live`.
    public static func isSubset(_ desired: Node, of live: Node) -> Bool {
        var changed: [FieldPath] = []
        subset(desired, live, path: FieldPath([]), changed: &changed)
        return changed.isEmpty
    }

    private static func subset(_ desired: Node, _ live: Node?, path: FieldPath, changed: inout [FieldPath]) {
        guard let live else { changed.append(path); return }
        switch (desired.value, live.value) {
        case (.mapping(let entries), .mapping):
            for entry in entries {
                if entry.value.isNull, live[entry.key] == nil { continue }
                subset(entry.value, live[entry.key], path: path.appending(.field(entry.key)), changed: &changed)
            }
        case (.sequence(let wanted), .sequence(let have)):
            // Atomic lists: same length, and each item a subset of the live item at its index
            // (the server may default fields inside items, as NetworkPolicy ports' protocol).
            guard wanted.count == have.count else { changed.append(path); return }
            for (index, item) in wanted.enumerated() where !isSubset(item, of: have[index]) {
                changed.append(path)
                return
            }
        default:
            if desired != live { changed.append(path) }
        }
    }

    /// What the object will look like after applying `desired` over `live`: the prediction shown
    /// when no server is available to dry-run (offline snapshots).
    public static func predictApply(desired: Node, live: Node, removed: [FieldPath]) -> Node {
        var result = live
        for path in removed { result.removeValue(at: path) }
        return overlay(desired, onto: result)
    }

    private static func overlay(_ desired: Node, onto live: Node) -> Node {
        switch (desired.value, live.value) {
        case (.mapping(let entries), .mapping):
            var result = live
            for entry in entries {
                if let existing = live[entry.key] {
                    result[entry.key] = overlay(entry.value, onto: existing)
                } else {
                    result[entry.key] = entry.value
                }
            }
            return result
        case (.sequence(let wanted), .sequence(let have)):
            let items = wanted.enumerated().map { index, item in
                index < have.count && isSubset(item, of: have[index]) ? have[index] : item
            }
            return Node(.sequence(items), mark: desired.mark)
        default:
            return desired
        }
    }
}
