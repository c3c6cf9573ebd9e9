public import JSON
public import YAML

/// The pure heart of reconcile: desired state × live state → an ordered plan. No I/O, so every
/// rule (subset compare, removals, prune guards, injection, restarts, ordering) is tested on
/// fixtures. The live plan later confirms the changed objects with a server dry-run. The
/// analyzers' and policies' findings are added by `ReconcileFindings` (`Analyzers.addFindings`).
public struct Planner: Sendable {
    public var desired: DesiredState
    public var live: LiveState
    public var options: PlanOptions
    public var mode: Plan.Mode

    public init(desired: DesiredState, live: LiveState, options: PlanOptions = PlanOptions(), mode: Plan.Mode = .snapshot) {
        self.desired = desired
        self.live = live
        self.options = options
        self.mode = mode
    }

    public func plan() -> Plan {
        var plan = Plan(mode: mode, instance: desired.instance, environment: desired.environment)
        plan.settings = ApplySettings(force: desired.config.force, restartMaxConcurrent: desired.config.restart.maxConcurrent,
                                      restartTimeout: desired.config.restart.timeout, correctDrift: desired.config.drift == .correct,
                                      bundleNeeds: Dictionary(desired.config.bundles.map { ($0.name, $0.needs) }, uniquingKeysWith: { a, _ in a }))
        // Objects compare independently: on every core, merged in desired order.
        var changes: [PlannedChange] = []
        for outcome in desired.objects.concurrentMap(planObject) {
            if let change = outcome.change { changes.append(change) } else { plan.unchanged += 1 }
            if let finding = outcome.finding { plan.findings.append(finding) }
        }
        changes += planNamespaceShorthand(plan: &plan)
        changes += planPrunes(plan: &plan)
        plan.changes = ApplyOrder.sort(changes, bundleOrder: desired.bundleOrder)
        planInjection(&plan)
        return plan
    }

    // MARK: - Objects

    /// One desired object's part of the plan: its change (nil when unchanged) and any finding.
    private struct ObjectOutcome: Sendable {
        var change: PlannedChange?
        var finding: Finding?
    }

    private func planObject(_ object: ManifestObject) -> ObjectOutcome {
        guard let current = live.objects[object.key] else {
            var change = PlannedChange(key: object.key, apiVersion: object.apiVersion, action: .create, bundle: object.bundle,
                                       source: object.source, diff: diff(old: nil, new: object.body, key: object.key))
            change.body = object.body
            return ObjectOutcome(change: change)
        }
        if let owner = current.trackingInstance, owner != desired.instance {
            let finding = Finding(
                code: "RC1001", severity: .error,
                message: "\(object.key.shortDescription) is already managed by reconcile instance \"\(owner)\"; it is not taken over",
                object: object.key, source: object.source,
                hint: "remove it from one of the two config repositories, or give both the same name: in reconcile.yaml")
            var change = PlannedChange(key: object.key, apiVersion: object.apiVersion, action: .update, bundle: object.bundle, source: object.source, diff: "")
            change.blocked = "managed by instance \"\(owner)\""
            change.liveBody = current.body
            return ObjectOutcome(change: change, finding: finding)
        }
        // Matched by identity, so apiVersion and kind are not compared (served versions of one
        // kind are the same object). Most objects are unchanged: an object read from a LIST page
        // is judged there and, when it is, never decoded.
        // An object this instance tracks may still be owned by the legacy shared manager: its
        // fields count as ours (removals), and the change moves them to the instance's manager.
        let tracked = current.trackingInstance == desired.instance
        let managers = Tracking.managers(instance: desired.instance, includingLegacy: tracked)
        let (result, legacyOwned) = current.json?.withCursor {
            (OwnedFieldCompare.compare(desired: object.body, live: $0, managers: managers, typeMetaMatched: true),
             tracked && FieldSet.hasAppliedFields(by: Tracking.legacyFieldManager, in: $0))
        } ?? (OwnedFieldCompare.compare(desired: object.body, live: current.body, managers: managers, typeMetaMatched: true),
              tracked && FieldSet.hasAppliedFields(by: Tracking.legacyFieldManager, in: current.body))
        if result.isUnchanged && !legacyOwned { return ObjectOutcome() }
        // The diff is shown in the desired version.
        var liveBody = current.body
        if liveBody["apiVersion"]?.string != object.apiVersion { liveBody["apiVersion"] = .string(object.apiVersion) }
        let predicted = OwnedFieldCompare.predictApply(desired: object.body, live: liveBody, removed: result.removed)
        var change = PlannedChange(key: object.key, apiVersion: object.apiVersion, action: .update, bundle: object.bundle,
                                   source: object.source, diff: diff(old: liveBody, new: predicted, key: object.key))
        change.body = object.body
        change.liveBody = liveBody
        change.liveResourceVersion = current.resourceVersion
        change.liveUID = current.body[path: ["metadata", "uid"]]?.string
        change.changedFields = result.changed.map(\.description)
        change.removedFields = result.removed.map(\.description)
        change.subsetsRemoved = Planner.subsetNames(current.body).subtracting(Planner.subsetNames(object.body)).sorted()
        change.migratesFieldManager = legacyOwned
        if current.trackingInstance == nil {
            change.reason = "exists in the cluster but was not created by reconcile: it will be adopted"
        } else if let drift = driftDescription(result: result, live: liveBody) {
            change.reason = drift
        } else if result.isUnchanged {
            change.reason = "field manager migration: ownership moves from \"\(Tracking.legacyFieldManager)\" to \"\(Tracking.fieldManager(instance: desired.instance))\" (once, after upgrading)"
        }
        return ObjectOutcome(change: change)
    }

    /// Drift: a field the desired object sets is now owned by another manager (server-side apply
    /// moves ownership to whoever last wrote it, as `kubectl edit` or `kubectl label` do).
    private func driftDescription(result: OwnedFieldCompare.Result, live: Node) -> String? {
        let others = FieldSet.managers(of: live).filter { !Tracking.isOwnManager($0.manager, instance: desired.instance) }
        var drifted: [(path: FieldPath, managers: [String])] = []
        for path in result.changed {
            let managers = Set(others.filter { $0.fields.touches(path) }.map(\.manager)).sorted()
            if !managers.isEmpty { drifted.append((path, managers)) }
        }
        guard !drifted.isEmpty else { return nil }
        let managers = Set(drifted.flatMap(\.managers)).sorted().joined(separator: ", ")
        return "drift: \(drifted.map(\.path.description).joined(separator: ", ")) changed out of band by \(managers)"
    }

    package static func subsetNames(_ body: Node) -> Set<String> {
        Set((body[path: ["spec", "subsets"]]?.sequence ?? []).compactMap { $0["name"]?.string })
    }

    // MARK: - Namespaces

    /// Label-only patches for namespaces named in `namespaces:` without a manifest.
    private func planNamespaceShorthand(plan: inout Plan) -> [PlannedChange] {
        var changes: [PlannedChange] = []
        for (name, wanted) in desired.namespaceInjection.sorted(by: { $0.key < $1.key }) where !wanted.fromManifest {
            let key = ObjectKey(group: "", kind: "Namespace", name: name)
            guard let current = live.namespaces[name] else {
                plan.findings.append(Finding(
                    code: "RC2001", severity: .warning,
                    message: "namespace \(name) does not exist: the namespaces: block only labels existing namespaces",
                    object: key, source: wanted.source, hint: "add a Namespace manifest to a bundle to have reconcile create it"))
                continue
            }
            var body: Node = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            for (label, value) in wanted.injection.labels { body.set(.string(value), at: ["metadata", "labels", label]) }
            let result = OwnedFieldCompare.compare(desired: body, live: current, managers: [Tracking.fieldManager(instance: desired.instance)])
            if result.isUnchanged { plan.unchanged += 1; continue }
            let predicted = OwnedFieldCompare.predictApply(desired: body, live: current, removed: result.removed)
            var change = PlannedChange(key: key, apiVersion: "v1", action: .update, bundle: nil, source: wanted.source,
                                       diff: diff(old: current, new: predicted, key: key))
            change.body = body
            change.liveBody = current
            change.labelsOnly = true
            change.liveResourceVersion = current[path: ["metadata", "resourceVersion"]]?.string
            change.changedFields = result.changed.map(\.description)
            change.removedFields = result.removed.map(\.description)
            change.reason = "sidecar injection: \(wanted.injection)"
            changes.append(change)
        }
        return changes
    }

    /// Injection changes, the IST0123 check, and the restarts they cause.
    private func planInjection(_ plan: inout Plan) {
        var after: [String: [String: String]] = [:]
        for (name, wanted) in desired.namespaceInjection {
            let key = ObjectKey(group: "", kind: "Namespace", name: name)
            let before = live.namespaces[name]?.labels ?? [:]
            var labels = before
            if let change = plan.changes.first(where: { $0.key == key }), let body = change.body {
                let predicted = OwnedFieldCompare.predictApply(desired: body, live: change.liveBody ?? Node(.mapping([])),
                                                               removed: removedPaths(change))
                labels = predicted.labels
            }
            after[name] = labels
            let from = NamespaceInjection(labels: before)
            let to = NamespaceInjection(labels: labels)
            if from != to || live.namespaces[name] == nil {
                plan.injectionChanges.append(InjectionChange(namespace: name, from: live.namespaces[name] == nil ? nil : from, to: to, source: wanted.source))
            }
            if labels[NamespaceInjection.injectionLabel] != nil, labels[NamespaceInjection.revisionLabel] != nil {
                plan.findings.append(Finding(
                    code: "IST0123", severity: .warning,
                    message: "namespace \(name) has both istio-injection=\(labels[NamespaceInjection.injectionLabel]!) and istio.io/rev=\(labels[NamespaceInjection.revisionLabel]!): istio-injection takes precedence",
                    object: key, source: wanted.source, hint: "remove the istio-injection label to use the revision"))
            }
        }
        plan.injectionChanges.sort { $0.namespace < $1.namespace }
        let existing = after.filter { live.namespaces[$0.key] != nil }
        let (restarts, manual) = RestartPlanner(namespaceLabels: existing, live: live).plan()
        if desired.config.restart.enabled {
            plan.restarts = restarts
            plan.manualRestarts = manual
        } else {
            plan.manualRestarts = manual + restarts.map { ManualRestart(object: $0.workload, reason: "\($0.reason); restart.enabled is false in reconcile.yaml") }
        }
    }

    private func removedPaths(_ change: PlannedChange) -> [FieldPath] {
        guard let live = change.liveBody, let body = change.body else { return [] }
        let tracked = Tracking.instance(of: live) == desired.instance
        return OwnedFieldCompare.compare(desired: body, live: live, managers: Tracking.managers(instance: desired.instance, includingLegacy: tracked)).removed
    }

    // MARK: - Prune

    private func planPrunes(plan: inout Plan) -> [PlannedChange] {
        var trackedCount = 0
        var orphans: [LiveObject] = []
        for object in live.objects.values where object.trackingInstance == desired.instance {
            trackedCount += 1
            if desired.index[object.key] == nil && desired.covers(bundle: object.body.labels[Tracking.bundleLabel]) { orphans.append(object) }
        }
        orphans.sort { $0.key < $1.key }
        var changes: [PlannedChange] = []
        for object in orphans {
            let source = object.body.annotations[Tracking.sourceAnnotation].map { SourceLocation(file: $0, mark: nil) }
            if object.key.kind == "Namespace" && object.key.group.isEmpty {
                plan.findings.append(Finding(code: "RC3001", severity: .info,
                    message: "namespace \(object.key.name) is no longer in git; namespaces are never deleted by reconcile", object: object.key, source: source))
                continue
            }
            if object.body.annotations[Tracking.pruneAnnotation] == "disabled" {
                plan.findings.append(Finding(code: "RC3002", severity: .info,
                    message: "\(object.key.shortDescription) is no longer in git but is annotated \(Tracking.pruneAnnotation)=disabled: kept", object: object.key, source: source))
                continue
            }
            var change = PlannedChange(key: object.key, apiVersion: object.apiVersion, action: .delete,
                                       bundle: object.body.labels[Tracking.bundleLabel], source: source,
                                       diff: diff(old: object.body, new: nil, key: object.key))
            change.reason = "no longer in git"
            change.liveBody = object.body
            change.liveResourceVersion = object.resourceVersion
            change.liveUID = object.body[path: ["metadata", "uid"]]?.string
            if !desired.config.prune { change.blocked = "prune: false in reconcile.yaml" }
            changes.append(change)
        }
        let active = changes.filter { $0.blocked == nil }
        guard !active.isEmpty else { return changes }
        if desired.objects.isEmpty {
            plan.findings.append(Finding(code: "RC3003", severity: .error,
                message: "the desired state rendered empty: refusing to prune \(active.count) object(s)", hint: "check the bundle paths and --selector"))
            return changes.map { var c = $0; c.blocked = c.blocked ?? "desired state is empty"; return c }
        }
        let limit = options.maxPrune.limit(managed: trackedCount)
        if active.count > limit && !options.allowMassPrune {
            plan.findings.append(Finding(code: "RC3004", severity: .error,
                message: "\(active.count) of \(trackedCount) managed objects would be pruned, more than --max-prune \(options.maxPrune) allows (\(limit))",
                hint: "check that nothing was deleted by mistake, then run again with --allow-mass-prune"))
            return changes.map { var c = $0; c.blocked = c.blocked ?? "more than --max-prune"; return c }
        }
        return changes
    }

    // MARK: - Diff text

    func diff(old: Node?, new: Node?, key: ObjectKey) -> String {
        ObjectDiff.render(old: old, new: new, key: key, context: options.diffContext)
    }
}
