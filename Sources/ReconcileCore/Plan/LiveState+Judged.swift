public import JSON
public import YAML

extension LiveState.Item {
    /// An item of a LIST page read for a plan of `desired`, keeping nothing of the page: a
    /// managed object the planner would find unchanged (`Planner.isUnchanged`) is kept as the
    /// facts the planner asks of it, any other managed object on a copy of its own
    /// (`JSONView.detached`), namespaces and context objects decoded — so the page's bytes and
    /// index go as soon as its items are read, not when the plan is done (issue 18: a plan of
    /// 10,000 objects held all 15 MiB of pages and their indexes). Nil as `init(json:…)`.
    public init?(json: JSONView, listAPIVersion: String, listKind: String,
                 decode: @escaping @Sendable (JSONView) -> Node, judgedAgainst desired: DesiredState) {
        guard let read = LiveState.Item(json: json, listAPIVersion: listAPIVersion, listKind: listKind,
                                        decode: decode) else { return nil }
        guard read.role == .managed, let object = read.object, let live = object.json else {
            self = read
            return
        }
        if let wanted = desired[read.key],
           Planner.isUnchanged(wanted, live: live, trackingInstance: object.trackingInstance,
                               instance: desired.instance) {
            let facts = UnchangedObject(trackingInstance: object.trackingInstance)
            self.init(role: .managed, content: .unchanged(facts), key: read.key, instanceLabel: read.instanceLabel)
            return
        }
        let copy = LiveObject(key: read.key, apiVersion: object.apiVersion, json: live.detached, decode: decode)
        self.init(role: .managed, content: .object(copy), key: read.key, instanceLabel: read.instanceLabel)
    }
}

extension Planner {
    /// Whether the plan leaves this desired object alone given its live counterpart, read in
    /// place: not tracked by another instance, every desired field as in live, no field
    /// reconcile owns removed, and no legacy field manager to migrate. The planner's own test
    /// (`planObject`), so a loader may judge an object while its page is in memory.
    public static func isUnchanged(_ object: ManifestObject, live: JSONView, trackingInstance: String?,
                                   instance: String) -> Bool {
        if let owner = trackingInstance, owner != instance { return false }
        let (result, legacyOwned) = live.withCursor {
            ownedCompare(object, live: $0, trackingInstance: trackingInstance, instance: instance)
        }
        return result.isUnchanged && !legacyOwned
    }

    /// The compare of a desired object with a live object this instance may track: the owned-field
    /// compare, and whether the legacy shared field manager still owns fields (then its fields
    /// count as the instance's, and the change moves them).
    static func ownedCompare<Live: FieldTree>(_ object: ManifestObject, live: Live, trackingInstance: String?,
                                              instance: String) -> (result: OwnedFieldCompare.Result, legacyOwned: Bool) {
        let tracked = trackingInstance == instance
        let managers = Tracking.managers(instance: instance, includingLegacy: tracked)
        return (OwnedFieldCompare.compare(desired: object.body, live: live, managers: managers, typeMetaMatched: true),
                tracked && FieldSet.hasAppliedFields(by: Tracking.legacyFieldManager, in: live))
    }
}
