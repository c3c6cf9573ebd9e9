import ReconcileCore
import ReconcileEngine
import YAML

/// What drift is measured against: per object, the content this controller last wrote (or
/// found already equal) on the leader — never a revision that was blocked, failed to render,
/// or was only planned. A pass that applies a revision moves each object it applied or found
/// unchanged to that revision; an object whose apply failed or was skipped keeps its previous
/// content, and a pruned object leaves the target.
public struct DriftTarget: Sendable {
    public struct Wanted: Sendable {
        public var apiVersion: String
        public var body: Node
        /// The revision this object's content came from.
        public var revision: String
    }

    public var objects: [ObjectKey: Wanted] = [:]
    public var instance: String
    public var mode: RepoConfig.DriftMode
    /// The revision of the last pass that moved the target (every object, when that pass fully succeeded).
    public var revision: String

    public init(instance: String, mode: RepoConfig.DriftMode, revision: String) {
        self.instance = instance
        self.mode = mode
        self.revision = revision
    }

    /// The objects of a desired state as drift compares them: manifests, and the namespaces the
    /// `namespaces:` shorthand labels (only those labels).
    static func wanted(from desired: DesiredState, revision: String) -> [ObjectKey: Wanted] {
        var objects: [ObjectKey: Wanted] = [:]
        for object in desired.objects { objects[object.key] = Wanted(apiVersion: object.apiVersion, body: object.body, revision: revision) }
        for (name, injection) in desired.namespaceInjection where !injection.fromManifest {
            let key = ObjectKey(group: "", kind: "Namespace", name: name)
            guard objects[key] == nil else { continue }
            var body: Node = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            for (label, value) in injection.injection.labels { body.set(.string(value), at: ["metadata", "labels", label]) }
            objects[key] = Wanted(apiVersion: "v1", body: body, revision: revision)
        }
        return objects
    }

    /// The target after the leader carried out `plan` of `desired` (`execution` nil: the plan had
    /// nothing to change, so every desired object already matches).
    public func advanced(by desired: DesiredState, plan: Plan, execution: PlanExecution?, mode: RepoConfig.DriftMode, revision: String) -> DriftTarget {
        let wanted = Self.wanted(from: desired, revision: revision)
        var outcome: [ObjectKey: ApplyOutcome.Result] = [:]
        for result in execution?.outcomes ?? [] { outcome[result.change.key] = result.result }
        let changed = Set(plan.changes.map(\.key))
        var next = DriftTarget(instance: desired.instance, mode: mode, revision: revision)
        for (key, object) in wanted {
            switch (changed.contains(key), outcome[key]) {
            case (false, _), (true, .applied?):
                next.objects[key] = object
            default:
                // Not written this pass (failed, skipped, interrupted): what was last written stays.
                if let previous = objects[key] { next.objects[key] = previous }
            }
        }
        // Objects no longer desired are not corrected any more (pruned, or left when prune is off).
        return next
    }
}
