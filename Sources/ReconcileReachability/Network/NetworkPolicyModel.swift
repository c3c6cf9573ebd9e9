/// Kubernetes and Calico policies in one form, evaluated the way Calico's data path does:
/// tiers in order, policies in order within a tier, rules in order within a policy; Allow and
/// Deny end evaluation, Pass jumps to the next tier, Log goes on; a tier some policy of which
/// selects the endpoint and none of whose rules decided ends in its default action (deny).
/// Kubernetes NetworkPolicies are policies of tier `default` at order 1000 whose rules all
/// Allow: with no Calico policy this is exactly Kubernetes' semantics (selected → isolated;
/// allowed if any rule of any selecting policy matches).
struct NetPolicy: Sendable {
    enum Direction: Sendable { case ingress, egress }

    var object: PolicyObject
    var tier: String
    var order: Double?
    /// Which endpoints the policy applies to.
    var selects: EndpointMatcher
    /// Nil when the policy does not apply in that direction.
    var ingress: [NetRule]?
    var egress: [NetRule]?
    /// When the policy could not be read: it selects nothing it can be sure of, and every pair
    /// of a workload it may select is unknown.
    var problem: PolicyProblem?

    func rules(_ direction: Direction) -> [NetRule]? { direction == .ingress ? ingress : egress }

    /// Sort key: Calico orders policies by `order` (none last), then name.
    var sortName: String { "\(object.namespace)/\(object.name)" }
}

enum NetAction: String, Sendable {
    case allow = "Allow", deny = "Deny", pass = "Pass", log = "Log"
}

struct NetRule: Sendable {
    var action: NetAction
    /// 1-based, for messages.
    var index: Int
    var match: RuleMatcher
}

/// Decides whether a policy applies to a workload.
enum EndpointMatcher: Sendable {
    case kube(KubeSelector, namespace: String)
    case calico(CalicoEndpointSelector)
    /// An unreadable policy: it may select any workload (of its namespace, if it has one).
    case unknown(String, namespace: String?)

    func matches(_ workload: EvaluatedWorkload) -> Match {
        switch self {
        case .kube(let selector, let namespace):
            return Match.from(workload.id.namespace == namespace && selector.matches(workload.labels))
        case .calico(let selector): return selector.matches(workload)
        case .unknown(let why, let namespace):
            if let namespace, namespace != workload.id.namespace { return .no }
            return .unknown(why)
        }
    }
}

/// The part of a rule that depends on traffic: `remote` is the other end (the source of an
/// ingress rule, the destination of an egress rule), `local` the endpoint the policy applies
/// to, `port` always the destination's port.
enum RuleMatcher: Sendable {
    case kube(KubeRule)
    case calico(CalicoRule)
    case unknown(String)

    func matches(local: EvaluatedWorkload, remote: EvaluatedWorkload, port: WorkloadPort, direction: NetPolicy.Direction,
                 policyNamespace: String?) -> Match {
        switch self {
        case .kube(let rule):
            let destination = direction == .ingress ? local : remote
            return rule.matches(peer: remote, destination: destination, port: port, policyNamespace: policyNamespace ?? "")
        case .calico(let rule):
            return rule.matches(local: local, remote: remote, port: port, direction: direction, policyNamespace: policyNamespace)
        case .unknown(let why): return .unknown(why)
        }
    }
}

/// A workload with the label sets the selectors read precomputed.
struct EvaluatedWorkload: Sendable {
    var workload: Workload
    /// Pod labels plus Calico's `projectcalico.org/namespace`, `/orchestrator`, `/serviceaccount`.
    var calicoLabels: [String: String]
    /// Namespace labels plus Calico's `projectcalico.org/name`.
    var calicoNamespaceLabels: [String: String]
    /// The service account's labels when the ServiceAccount is known.
    var serviceAccountLabels: [String: String]?

    init(_ workload: Workload, serviceAccountLabels: [String: String]? = nil) {
        self.workload = workload
        var labels = workload.labels
        labels["projectcalico.org/namespace"] = workload.id.namespace
        labels["projectcalico.org/orchestrator"] = "k8s"
        labels["projectcalico.org/serviceaccount"] = workload.serviceAccount
        calicoLabels = labels
        var namespaceLabels = workload.namespaceLabels
        namespaceLabels["projectcalico.org/name"] = workload.id.namespace
        calicoNamespaceLabels = namespaceLabels
        var accountLabels = serviceAccountLabels
        accountLabels?["projectcalico.org/name"] = workload.serviceAccount
        self.serviceAccountLabels = accountLabels
    }

    var id: WorkloadID { workload.id }
    var labels: [String: String] { workload.labels }
}
