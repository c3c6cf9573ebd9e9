import ReconcileCore
import YAML

/// One line per part of a changed policy: what it selects and what its rules do, read from the
/// object alone (the view a plan between two revisions can give without workloads).
enum PolicySummary {
    static func changes(in plan: Plan) -> [PolicyChange] {
        plan.changes.filter { $0.blocked == nil && PlanReachability.isPolicy($0.key) }.map { change in
            let body = change.action == .delete ? change.liveBody : change.body
            return PolicyChange(action: change.verb, object: change.key.shortDescription, summary: body.map { summary(change.key, $0) } ?? [])
        }
    }

    static func summary(_ key: ObjectKey, _ body: Node) -> [String] {
        let spec = body["spec"]
        func rules(_ name: String) -> String? {
            guard let list = spec?[name]?.sequence else { return nil }
            return "\(name): \(list.count) rule\(list.count == 1 ? "" : "s")"
        }
        switch (key.group, key.kind) {
        case ("networking.k8s.io", "NetworkPolicy"):
            let selector = (try? KubeSelector.read(spec?["podSelector"], field: "", in: PolicyObject(body: body)))?.description ?? "?"
            let types = spec?["policyTypes"]?.sequence?.compactMap(\.string).joined(separator: ", ")
            return ["selects pods \(selector == "all" ? "(all)" : selector) in \(key.namespace)", types.map { "types: \($0)" },
                    rules("ingress"), rules("egress")].compactMap { $0 }
        case ("projectcalico.org", "NetworkPolicy"), ("projectcalico.org", "GlobalNetworkPolicy"):
            let order = spec?["order"]?.scalarText.map { ", order \($0)" } ?? ""
            let actions = ["ingress", "egress"].compactMap { direction -> String? in
                guard let list = spec?[direction]?.sequence, !list.isEmpty else { return nil }
                return "\(direction): " + list.map { $0["action"]?.string ?? "?" }.joined(separator: ", ")
            }
            return ["selects \(spec?["selector"]?.string ?? "all()") (tier \(spec?["tier"]?.string ?? "default")\(order))"] + actions
        case ("projectcalico.org", "Tier"):
            return ["order \(spec?["order"]?.scalarText ?? "none")"]
        case ("security.istio.io", "PeerAuthentication"):
            let scope = spec?["selector"] == nil ? "every workload in \(key.namespace)" : "workloads \(spec?["selector"]?["matchLabels"]?.entries?.map { "\($0.key)=\($0.value.scalarText ?? "")" }.joined(separator: ",") ?? "")"
            return ["mTLS \(spec?["mtls"]?["mode"]?.string ?? "UNSET") for \(scope)"]
        case ("security.istio.io", "AuthorizationPolicy"):
            let count = spec?["rules"]?.sequence?.count ?? 0
            return ["\(spec?["action"]?.string ?? "ALLOW") with \(count) rule\(count == 1 ? "" : "s")"]
        default:
            return []
        }
    }
}
