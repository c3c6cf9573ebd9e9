public import YAML

/// The pull-request view: what changing the config repository from one commit to another does to
/// the desired state, without a cluster. Objects added, changed and removed (each with a diff of
/// its YAML) and namespaces whose injection changes. The offline findings on the head are added
/// by `ReconcileFindings` (`Analyzers.addOfflineFindings`).
public struct RevisionComparer: Sendable {
    public var base: DesiredState
    public var head: DesiredState
    public var options: PlanOptions

    public init(base: DesiredState, head: DesiredState, options: PlanOptions = PlanOptions()) {
        self.base = base
        self.head = head
        self.options = options
    }

    public func plan() -> Plan {
        var plan = Plan(mode: .base, instance: head.instance, environment: head.environment)
        let differ = Planner(desired: head, live: LiveState(), options: options)
        var changes: [PlannedChange] = []
        for object in head.objects {
            guard let old = base[object.key] else {
                var change = PlannedChange(key: object.key, apiVersion: object.apiVersion, action: .create, bundle: object.bundle,
                                           source: object.source, diff: differ.diff(old: nil, new: object.body, key: object.key))
                change.body = object.body
                changes.append(change)
                continue
            }
            guard old.body != object.body || old.apiVersion != object.apiVersion else {
                plan.unchanged += 1
                continue
            }
            var change = PlannedChange(key: object.key, apiVersion: object.apiVersion, action: .update, bundle: object.bundle,
                                       source: object.source, diff: differ.diff(old: old.body, new: object.body, key: object.key))
            change.body = object.body
            change.liveBody = old.body
            change.subsetsRemoved = Planner.subsetNames(old.body).subtracting(Planner.subsetNames(object.body)).sorted()
            change.changedFields = OwnedFieldCompare.compare(desired: object.body, live: old.body, managers: []).changed.map(\.description)
            change.removedFields = RevisionComparer.removedFields(old: old.body, new: object.body)
            if old.apiVersion != object.apiVersion { change.reason = "apiVersion \(old.apiVersion) → \(object.apiVersion)" }
            changes.append(change)
        }
        for old in base.objects where head[old.key] == nil && head.covers(bundle: old.bundle) {
            var change = PlannedChange(key: old.key, apiVersion: old.apiVersion, action: .delete, bundle: old.bundle,
                                       source: old.source, diff: differ.diff(old: old.body, new: nil, key: old.key))
            change.liveBody = old.body
            if old.key.kind == "Namespace" && old.key.group.isEmpty {
                change.blocked = "namespaces are never deleted"
            } else if !head.config.prune {
                change.blocked = "prune: false in reconcile.yaml"
            } else {
                change.reason = "removed from git: pruned from the cluster"
            }
            changes.append(change)
        }
        plan.changes = ApplyOrder.sort(changes, bundleOrder: head.bundleOrder)
        for namespace in Set(base.namespaceInjection.keys).union(head.namespaceInjection.keys).sorted() {
            let from = base.namespaceInjection[namespace]
            let to = head.namespaceInjection[namespace]
            if from?.injection != to?.injection {
                plan.injectionChanges.append(InjectionChange(namespace: namespace, from: from?.injection, to: to?.injection, source: to?.source ?? from?.source))
            }
        }
        return plan
    }

    /// Leaf fields present in `old` and gone from `new`.
    static func removedFields(old: Node, new: Node) -> [String] {
        var removed: [String] = []
        func walk(_ a: Node, _ b: Node?, _ path: FieldPath) {
            guard let entries = a.entries else { return }
            for entry in entries {
                let next = path.appending(.field(entry.key))
                if let other = b?[entry.key] { walk(entry.value, other, next) } else { removed.append(next.description) }
            }
        }
        walk(old, new, FieldPath([]))
        return removed
    }
}
