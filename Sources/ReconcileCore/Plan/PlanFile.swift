public import JSON
public import YAML

/// A saved plan (`plan -o plan.json`): the plan's JSON with every change's apply body, the live
/// resourceVersion it was planned against and a SHA-256 digest over all of it. `apply plan.json`
/// carries out exactly this — what was reviewed is what is applied, as with Atlantis's planfile.
public enum PlanFile {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The file's text.
    public static func encode(_ plan: Plan) -> String {
        var document = JSONPlanRenderer(includeBodies: true).document(plan)
        document["settings"] = Node.object([
            "force": Node(.bool(plan.settings.force)),
            "restartMaxConcurrent": Node(.int(plan.settings.restartMaxConcurrent)),
            "restartTimeoutSeconds": Node(.float(plan.settings.restartTimeout)),
            "correctDrift": Node(.bool(plan.settings.correctDrift)),
            "bundleNeeds": Node(.mapping(plan.settings.bundleNeeds.sorted { $0.key < $1.key }.map {
                Node.Entry(key: $0.key, value: .sequence($0.value.map(Node.string)))
            })),
        ])
        if let cluster = plan.cluster {
            document["cluster"] = Node.object(["server": .string(cluster.server),
                                               "kubeSystemUID": cluster.kubeSystemUID.map(Node.string) ?? nil])
        }
        document["digest"] = .string(digest(of: document))
        return document.jsonString(pretty: true) + "\n"
    }

    /// Reads a saved plan back, refusing a file whose digest does not match its content.
    public static func decode(_ bytes: [UInt8], file: String) throws -> Plan {
        let document = try Node(json: bytes, file: file)
        guard document["formatVersion"]?.int == JSONPlanRenderer.formatVersion else {
            throw Error(description: "\(file) is not a reconcile plan file of format version \(JSONPlanRenderer.formatVersion)")
        }
        guard let recorded = document["digest"]?.string else { throw Error(description: "\(file) has no digest: save plans with `reconcile plan -o FILE`") }
        var unsealed = document
        unsealed["digest"] = nil
        guard digest(of: unsealed) == recorded else {
            throw Error(description: "\(file) was changed after it was written (digest mismatch): plan again")
        }
        guard let mode = Plan.Mode(rawValue: document["mode"]?.string ?? ""), mode != .base else {
            throw Error(description: "\(file) is a plan between two revisions; only plans against a cluster can be applied")
        }
        var plan = Plan(mode: mode, instance: document["instance"]?.string ?? "", environment: document["environment"]?.string)
        plan.revision = document["revision"]?.string
        if let cluster = document["cluster"], let server = cluster["server"]?.string {
            plan.cluster = ClusterBinding(server: server, kubeSystemUID: cluster["kubeSystemUID"]?.string)
        }
        plan.unchanged = document[path: ["summary", "unchanged"]]?.int ?? 0
        if let settings = document["settings"] {
            var needs: [String: [String]] = [:]
            for entry in settings["bundleNeeds"]?.entries ?? [] { needs[entry.key] = (entry.value.sequence ?? []).compactMap(\.string) }
            plan.settings = ApplySettings(force: settings["force"]?.bool ?? false,
                                          restartMaxConcurrent: settings["restartMaxConcurrent"]?.int ?? 1,
                                          restartTimeout: settings["restartTimeoutSeconds"]?.double ?? 600,
                                          correctDrift: settings["correctDrift"]?.bool ?? true, bundleNeeds: needs)
        }
        for item in document["changes"]?.sequence ?? [] {
            guard let action = PlannedChange.Action(rawValue: item["action"]?.string ?? ""),
                let kind = item["kind"]?.string, let name = item["name"]?.string else {
                throw Error(description: "\(file): a change without action, kind or name")
            }
            let group = item["group"]?.string ?? ""
            let version = item["version"]?.string ?? "v1"
            let key = ObjectKey(group: group, kind: kind, namespace: item["namespace"]?.string ?? "", name: name)
            let source = item["source"].flatMap { s in s["file"]?.string.map { SourceLocation(file: $0, mark: Mark(line: s["line"]?.int ?? 1, column: 1)) } }
            var change = PlannedChange(key: key, apiVersion: group.isEmpty ? version : "\(group)/\(version)", action: action,
                                       bundle: item["bundle"]?.string, source: source, diff: item["diff"]?.string ?? "")
            change.step = item["step"]?.int ?? 0
            change.reason = item["reason"]?.string
            change.blocked = item["blocked"]?.string
            change.body = item["body"].flatMap { $0.isNull ? nil : $0 }
            change.liveResourceVersion = item["liveResourceVersion"]?.string
            change.liveUID = item["liveUID"]?.string
            change.labelsOnly = item["labelsOnly"]?.bool ?? false
            change.migratesFieldManager = item["migratesFieldManager"]?.bool ?? false
            change.changedFields = (item["changedFields"]?.sequence ?? []).compactMap(\.string)
            change.removedFields = (item["removedFields"]?.sequence ?? []).compactMap(\.string)
            plan.changes.append(change)
        }
        for item in document["restarts"]?.sequence ?? [] {
            guard let kind = item["kind"]?.string, let name = item["name"]?.string, let namespace = item["namespace"]?.string else { continue }
            func injection(_ node: Node?) -> PodInjection {
                PodInjection(injected: node?["injected"]?.bool ?? false, revision: node?["revision"]?.string)
            }
            plan.restarts.append(PlannedRestart(workload: ObjectKey(group: item["group"]?.string ?? "apps", kind: kind, namespace: namespace, name: name),
                                                from: injection(item["from"]), to: injection(item["to"]),
                                                pods: item["pods"]?.int ?? 0, reason: item["reason"]?.string ?? "",
                                                rolloutStarted: item["rolloutStarted"]?.bool ?? false))
        }
        for item in document["findings"]?.sequence ?? [] {
            guard let code = item["code"]?.string, let severity = Finding.Severity(rawValue: item["severity"]?.string ?? "") else { continue }
            plan.findings.append(Finding(code: code, severity: severity, message: item["message"]?.string ?? "", hint: item["hint"]?.string))
        }
        return plan
    }

    /// Anyone can recompute it: it catches accidental edits, and `SavedPlanCheck` is what refuses
    /// a plan edited on purpose.
    public static func digest(of document: Node) -> String {
        SHA256.hex(Array(document.sortedKeys.jsonString().utf8))
    }
}

/// What apply needs from `reconcile.yaml` besides the changes (kept in saved plans).
public struct ApplySettings: Sendable, Hashable {
    public var force: Bool
    public var restartMaxConcurrent: Int
    /// Seconds per workload.
    public var restartTimeout: Double

    /// `drift: correct`: objects this instance tracks are re-applied with force, taking back the
    /// fields an out-of-band edit took over (server-side apply moved their ownership away).
    public var correctDrift: Bool
    /// `needs:` between bundles, so a failure stops what depends on it even from a saved plan.
    public var bundleNeeds: [String: [String]]

    public init(force: Bool = false, restartMaxConcurrent: Int = 1, restartTimeout: Double = 600, correctDrift: Bool = true,
                bundleNeeds: [String: [String]] = [:]) {
        self.force = force
        self.restartMaxConcurrent = restartMaxConcurrent
        self.restartTimeout = restartTimeout
        self.correctDrift = correctDrift
        self.bundleNeeds = bundleNeeds
    }

    /// Whether to apply `change` with force: always when the config says so; for objects this
    /// instance already tracks when drift is corrected. Never for objects being adopted.
    public func force(for change: PlannedChange, instance: String) -> Bool {
        if force { return true }
        guard correctDrift, let live = change.liveBody else { return false }
        return Tracking.instance(of: live) == instance
    }
}
