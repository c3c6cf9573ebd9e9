import ReconcileCore

extension Planner {
    /// The plan with the analyzers' and policies' findings after the planner's own: what every
    /// command shows and gates apply on.
    public func planWithFindings() -> Plan {
        var plan = plan()
        Analyzers.addFindings(to: &plan, desired: desired, live: live)
        return plan
    }
}

extension RevisionComparer {
    /// The base-vs-head plan with the offline findings on the head.
    public func planWithFindings() -> Plan {
        var plan = plan()
        Analyzers.addOfflineFindings(to: &plan, head: head)
        return plan
    }
}
