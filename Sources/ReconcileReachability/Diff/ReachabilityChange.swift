/// One (source, destination, port) whose verdict the plan changes.
public struct ReachabilityChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Allowed before, denied after.
        case lost
        /// Denied before, allowed after.
        case gained
        /// Allowed both times, but for a different share of requests (Istio HTTP conditions).
        case narrowed
        /// Known on one side, unknown on the other (or unknown for another reason).
        case unknown
    }

    public var kind: Kind
    public var source: WorkloadID
    public var destination: WorkloadID
    public var port: WorkloadPort
    public var before: Verdict
    public var after: Verdict

    /// The rule a reviewer should look at: the new verdict's rule, or, when traffic is now
    /// allowed by default, the rule that denied it before (and is gone).
    public var responsible: RuleRef { responsibleIsPrevious ? before.rule : after.rule }

    /// The responsible rule is the old verdict's (a denial that is gone, or an unknown that is settled).
    public var responsibleIsPrevious: Bool {
        (kind == .gained && after.rule.isDefault && after.conditions.isEmpty) || (kind == .unknown && after.outcome != .unknown)
    }

    static func classify(before: Verdict, after: Verdict) -> Kind? {
        switch (before.outcome, after.outcome) {
        case (.allowed, .denied): return .lost
        case (.denied, .allowed): return .gained
        case (.allowed, .allowed): return before.conditions == after.conditions ? nil : .narrowed
        case (.denied, .denied): return nil
        case (.unknown, .unknown): return before.rule == after.rule ? nil : .unknown
        default: return .unknown
        }
    }
}

/// The reachability section of a plan: which pairs lose or gain a path. A later finding
/// ("cuts a path in use") joins a change by (source, destination, port).
public struct ReachabilityReport: Sendable {
    public enum Status: Sendable, Hashable {
        /// Evaluated against live workloads.
        case evaluated
        /// No live workloads (`--base` without a cluster): only the policy-level summary.
        case needsLiveWorkloads
    }

    public var status: Status
    /// Workloads present before and after.
    public var workloads: Int
    /// (source, destination, port) triples in the whole matrix, and those re-evaluated because
    /// a changed policy, namespace or workload touches them.
    public var pairsTotal: Int
    public var pairsEvaluated: Int
    public var changes: [ReachabilityChange]
    /// Changed policy objects, for the policy-level summary.
    public var policies: [PolicyChange]
    /// Policies the model cannot read, and other things a reviewer should know.
    public var problems: [String]

    public init(status: Status, workloads: Int = 0, pairsTotal: Int = 0, pairsEvaluated: Int = 0,
                changes: [ReachabilityChange] = [], policies: [PolicyChange] = [], problems: [String] = []) {
        self.status = status
        self.workloads = workloads
        self.pairsTotal = pairsTotal
        self.pairsEvaluated = pairsEvaluated
        self.changes = changes
        self.policies = policies
        self.problems = problems
    }

    public func count(_ kind: ReachabilityChange.Kind) -> Int { changes.filter { $0.kind == kind }.count }
}

/// A policy object the plan creates, updates or deletes, summarised for review without workloads.
public struct PolicyChange: Sendable, Hashable {
    public var action: String
    public var object: String
    /// What the policy applies to and does, one line each (`selects pods app=web`, `ingress: 2 rules`).
    public var summary: [String]

    public init(action: String, object: String, summary: [String]) {
        self.action = action
        self.object = object
        self.summary = summary
    }
}
