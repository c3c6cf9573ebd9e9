public import JSON
public import YAML

/// The machine view of a plan. The schema is documented in docs/plan-json.md and versioned by
/// `formatVersion`; fields are only ever added within a version.
public struct JSONPlanRenderer: Sendable {
    public static let formatVersion = 1

    /// Also embed each change's apply body and live resourceVersion (for saved plan files).
    public var includeBodies: Bool

    public init(includeBodies: Bool = false) { self.includeBodies = includeBodies }

    public func render(_ plan: Plan) -> String {
        document(plan).jsonString(pretty: true) + "\n"
    }

    public func document(_ plan: Plan) -> Node {
        var root: Node = [:]
        root["formatVersion"] = Node(.int(JSONPlanRenderer.formatVersion))
        root["mode"] = .string(plan.mode.rawValue)
        root["instance"] = .string(plan.instance)
        root["environment"] = optional(plan.environment)
        root["revision"] = optional(plan.revision)
        root["baseRevision"] = optional(plan.baseRevision)
        root["hasChanges"] = Node(.bool(plan.hasChanges))
        var summary: Node = [:]
        summary["create"] = Node(.int(plan.count(.create)))
        summary["update"] = Node(.int(plan.count(.update)))
        summary["delete"] = Node(.int(plan.count(.delete)))
        summary["restart"] = Node(.int(plan.restarts.count))
        summary["manualRestart"] = Node(.int(plan.manualRestarts.count))
        summary["unchanged"] = Node(.int(plan.unchanged))
        summary["blocked"] = Node(.int(plan.changes.filter { $0.blocked != nil }.count))
        for severity in [Finding.Severity.error, .warning, .info] {
            summary.set(Node(.int(plan.findings.filter { $0.severity == severity }.count)), at: ["findings", severity.rawValue])
        }
        root["summary"] = summary
        root["changes"] = .sequence(plan.changes.map(change))
        root["injectionChanges"] = .sequence(plan.injectionChanges.map { change in
            Node.object(["namespace": .string(change.namespace), "from": injection(change.from), "to": injection(change.to),
                         "source": source(change.source)])
        })
        root["restarts"] = .sequence(plan.restarts.map { restart in
            var node = object(restart.workload)
            node["from"] = podInjection(restart.from)
            node["to"] = podInjection(restart.to)
            node["pods"] = Node(.int(restart.pods))
            node["reason"] = .string(restart.reason)
            if restart.rolloutStarted { node["rolloutStarted"] = Node(.bool(true)) }
            return node
        })
        root["manualRestarts"] = .sequence(plan.manualRestarts.map { manual in
            var node = object(manual.object)
            node["reason"] = .string(manual.reason)
            return node
        })
        root["findings"] = .sequence(plan.findings.map { finding in
            Node.object(["code": .string(finding.code), "severity": .string(finding.severity.rawValue), "message": .string(finding.message),
                         "object": finding.object.map(object) ?? nil, "source": source(finding.source), "hint": optional(finding.hint)])
        })
        return root
    }

    private func change(_ change: PlannedChange) -> Node {
        var node = Node.object(["step": Node(.int(change.step)), "action": .string(change.verb)])
        let (group, version) = splitAPIVersion(change.apiVersion)
        node["group"] = .string(group)
        node["version"] = .string(version)
        node["kind"] = .string(change.key.kind)
        node["namespace"] = change.key.namespace.isEmpty ? nil : .string(change.key.namespace)
        node["name"] = .string(change.key.name)
        node["bundle"] = optional(change.bundle)
        node["source"] = source(change.source)
        node["reason"] = optional(change.reason)
        node["blocked"] = optional(change.blocked)
        node["changedFields"] = .sequence(change.changedFields.map(Node.string))
        node["removedFields"] = .sequence(change.removedFields.map(Node.string))
        node["diff"] = .string(change.diff)
        if includeBodies {
            node["body"] = change.body?.withoutMarks ?? nil
            node["liveResourceVersion"] = optional(change.liveResourceVersion)
            node["liveUID"] = optional(change.liveUID)
            node["labelsOnly"] = Node(.bool(change.labelsOnly))
            if change.migratesFieldManager { node["migratesFieldManager"] = Node(.bool(true)) }
        }
        return node
    }

    private func object(_ key: ObjectKey) -> Node {
        Node.object(["group": .string(key.group), "kind": .string(key.kind),
                     "namespace": key.namespace.isEmpty ? nil : .string(key.namespace), "name": .string(key.name)])
    }

    private func source(_ location: SourceLocation?) -> Node {
        guard let location else { return nil }
        return Node.object(["file": .string(location.file), "line": Node(.int(location.line))])
    }

    private func injection(_ injection: NamespaceInjection?) -> Node {
        guard let injection else { return nil }
        switch injection {
        case .enabled: return ["mode": "enabled"]
        case .disabled: return ["mode": "disabled"]
        case .revision(let r): return ["mode": "revision", "revision": .string(r)]
        }
    }

    private func podInjection(_ injection: PodInjection) -> Node {
        Node.object(["injected": Node(.bool(injection.injected)), "revision": optional(injection.revision)])
    }

    private func optional(_ text: String?) -> Node { text.map(Node.string) ?? nil }
}
