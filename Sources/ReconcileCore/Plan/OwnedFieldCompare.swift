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

    /// `live` is a decoded tree or a LIST item read in place; both give the same result.
    /// `typeMetaMatched`: the caller matched `live` to `desired` by group, kind and name and
    /// compares in desired's version, so the top-level `apiVersion` and `kind` are not compared
    /// (items of built-in LISTs leave them out).
    /// `managers`: the field managers whose Apply ownership counts as reconcile's (the instance's
    /// own, and the legacy shared one for objects it tracks until they are migrated).
    public static func compare<Live: FieldTree>(desired: Node, live: Live, managers: [String],
                                                typeMetaMatched: Bool = false) -> Result {
        // One path buffer for the whole walk: a FieldPath is only built for a field that changed.
        var path: [FieldPath.Element] = []
        var changed: [FieldPath] = []
        subset(desired, live, path: &path, changed: &changed, skippingTypeMeta: typeMetaMatched)
        var removed: [FieldPath] = []
        for manager in managers {
            for owned in FieldSet.appliedFieldsV1(by: manager, in: live) {
                removals(owned: owned, desired: desired, live: live, path: &path, into: &removed)
            }
        }
        if managers.count > 1 {
            // Both managers may own a field (the legacy manager's entry outlives a partial migration).
            var seen = Set<FieldPath>()
            removed = removed.filter { seen.insert($0).inserted }
        }
        return Result(changed: changed, removed: removed)
    }

    /// Whether every field of `desired` is present with the same value in `live`.
    public static func isSubset<Live: FieldTree>(_ desired: Node, of live: Live) -> Bool {
        var path: [FieldPath.Element] = []
        var changed: [FieldPath] = []
        subset(desired, live, path: &path, changed: &changed)
        return changed.isEmpty
    }

    private static func subset<Live: FieldTree>(_ desired: Node, _ live: Live?, path: inout [FieldPath.Element], changed: inout [FieldPath],
                                                skippingTypeMeta: Bool = false) {
        guard let live else { changed.append(FieldPath(path)); return }
        switch desired.value {
        case .mapping(let entries) where live.isMapping:
            for entry in entries {
                if skippingTypeMeta && (entry.key == "apiVersion" || entry.key == "kind") { continue }
                let liveValue = live[entry.key]
                if entry.value.isNull, liveValue == nil { continue }
                path.append(.field(entry.key))
                subset(entry.value, liveValue, path: &path, changed: &changed)
                path.removeLast()
            }
        case .sequence(let wanted):
            // Atomic lists: same length, and each item a subset of the live item at its index
            // (the server may default fields inside items, as NetworkPolicy ports' protocol).
            guard let have = live.fieldItems, wanted.count == have.count else { changed.append(FieldPath(path)); return }
            for (index, item) in wanted.enumerated() where !isSubset(item, of: have[index]) {
                changed.append(FieldPath(path))
                return
            }
        default:
            if !live.scalarEquals(desired) { changed.append(FieldPath(path)) }
        }
    }

    /// The leaves of an owned `fieldsV1` set that live still has and desired no longer sets,
    /// walked alongside both objects (a subtree live lacks holds no removal).
    private static func removals<Live: FieldTree>(owned: Live, desired: Node?, live: Live, path: inout [FieldPath.Element],
                                                  into removed: inout [FieldPath]) {
        var hasChildren = false
        owned.forEachOwnedChild { element, child in
            hasChildren = true
            guard let element, let liveChild = live.child(at: element) else { return }
            path.append(element)
            removals(owned: child, desired: desired?.child(at: element), live: liveChild, path: &path, into: &removed)
            path.removeLast()
        }
        if !hasChildren && !path.isEmpty && desired == nil { removed.append(FieldPath(path)) }
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
