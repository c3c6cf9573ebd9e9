import ReconcileCore
import YAML

/// The registry of plan-time checks: the mesh analyzers, then the guardrail policies. `run`
/// applies the `galley.istio.io/analyze-suppress` annotation as istioctl does.
public enum Analyzers {
    public static let suppressAnnotation = "galley.istio.io/analyze-suppress"

    /// Every analyzer, in reporting order. (IST0123 NamespaceMultipleInjectionLabels is emitted
    /// by the Planner, which computes the namespaces' labels.)
    public static let all: [any Analyzer] = [
        ReferencedResourceNotFound(),
        NamespaceNotInjected(),
        ConflictingVirtualServiceHosts(),
        MTLSPolicyConflict(),
        VirtualServiceRuleOrder(),
        VirtualServiceHostNotFoundInGateway(),
        ConflictingGateways(),
        DestinationRuleTLS(),
        DuplicateSubsets(),
        StrictMTLSWithUninjectedPods(),
        RestartTakesAllReplicasDown(),
        PolicyAnalyzer(),
    ]

    /// Runs every analyzer and policy (side by side: they only read the input); suppressed
    /// findings are dropped.
    public static func run(_ input: AnalysisInput) -> [Finding] {
        all.concurrentMap { $0.analyze(input) }.joined().filter { !isSuppressed($0, input: input) }
    }

    /// The offline checks on a desired state alone (`reconcile validate`, base-vs-head plans).
    public static func offline(_ desired: DesiredState) -> [Finding] {
        run(AnalysisInput.offline(desired))
    }

    /// Adds the analyzers' and policies' findings to a plan against live state, after the
    /// planner's own (the planner stays free of checks; every caller that plans adds them).
    public static func addFindings(to plan: inout Plan, desired: DesiredState, live: LiveState) {
        plan.findings += run(AnalysisInput.planned(desired, live: live, plan: plan))
    }

    /// Adds the offline findings on `head` to a base-vs-head plan (`RevisionComparer`).
    public static func addOfflineFindings(to plan: inout Plan, head: DesiredState) {
        plan.findings += offline(head)
    }

    /// Findings that block apply: errors whose code is not in `allowed`.
    public static func blocking(_ findings: [Finding], allowed: Set<String>) -> [Finding] {
        findings.filter { $0.severity == .error && !allowed.contains($0.code) }
    }

    // MARK: - Suppression

    /// `galley.istio.io/analyze-suppress` on the finding's object or on its namespace: a
    /// comma-separated list of `CODE` (every finding with that code) or `CODE=Kind name[.namespace]`
    /// (only for that resource; `*` wildcards), as `istioctl analyze --suppress` writes them.
    static func isSuppressed(_ finding: Finding, input: AnalysisInput) -> Bool {
        guard let key = finding.object else { return false }
        var values: [String] = []
        if let value = annotations(of: key, input: input)[suppressAnnotation] { values.append(value) }
        if !key.namespace.isEmpty,
           let value = annotations(of: ObjectKey(group: "", kind: "Namespace", name: key.namespace), input: input)[suppressAnnotation] {
            values.append(value)
        }
        let resource = key.namespace.isEmpty ? "\(key.kind) \(key.name)" : "\(key.kind) \(key.name).\(key.namespace)"
        for value in values {
            for raw in value.split(separator: ",") {
                let entry = String(raw).trimmingWhitespace()
                guard !entry.isEmpty else { continue }
                if let equals = entry.firstIndex(of: "=") {
                    let code = String(entry[..<equals]).trimmingWhitespace()
                    let pattern = String(entry[entry.index(after: equals)...]).trimmingWhitespace()
                    if PolicyPattern.wildcard(code, finding.code) && PolicyPattern.wildcard(pattern, resource) { return true }
                } else if PolicyPattern.wildcard(entry, finding.code) {
                    return true
                }
            }
        }
        return false
    }

    private static func annotations(of key: ObjectKey, input: AnalysisInput) -> [String: String] {
        if let object = input.desired[key] { return object.annotations }
        if let live = input.live {
            if key.isNamespace, let namespace = live.namespaces[key.name] { return namespace.annotations }
            if let object = live.objects[key] { return object.body.annotations }
            if let object = live.context[key] { return object.annotations }
        }
        return [:]
    }
}
