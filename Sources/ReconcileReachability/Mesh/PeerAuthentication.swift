import YAML

/// An Istio PeerAuthentication: the mTLS mode a sidecar accepts, for its namespace (no
/// selector), for the workloads its selector matches (optionally per port), or for the whole
/// mesh (no selector, in the root namespace).
struct PeerAuthentication: Sendable {
    enum Mode: String, Sendable { case unset = "UNSET", disable = "DISABLE", permissive = "PERMISSIVE", strict = "STRICT" }

    var object: PolicyObject
    var selector: KubeSelector?
    var mode: Mode
    var portModes: [Int: Mode]
    var created: String

    static func read(_ object: PolicyObject) throws(PolicyProblem) -> PeerAuthentication {
        let spec = object.body["spec"]
        var selector: KubeSelector?
        if let node = spec?["selector"], !node.isNull {
            selector = try KubeSelector.read(node, field: "spec.selector", in: object)
        }
        let mode = try Self.mode(spec?["mtls"]?["mode"], field: "spec.mtls.mode", object)
        var portModes: [Int: Mode] = [:]
        if let ports = spec?["portLevelMtls"], !ports.isNull {
            guard let entries = ports.entries else { throw object.problem("spec.portLevelMtls", at: ports, "expected a mapping of port to mode") }
            if selector == nil {
                // Istio ignores port-level settings without a workload selector.
                throw object.problem("spec.portLevelMtls", at: ports, "port-level mTLS needs a workload selector")
            }
            for entry in entries {
                guard let port = Int(entry.key), (1...65535).contains(port) else {
                    throw object.problem("spec.portLevelMtls.\(entry.key)", at: entry.value, "\"\(entry.key)\" is not a port number")
                }
                portModes[port] = try Self.mode(entry.value["mode"], field: "spec.portLevelMtls.\(entry.key).mode", object)
            }
        }
        return PeerAuthentication(object: object, selector: selector, mode: mode, portModes: portModes,
                                  created: object.body[path: ["metadata", "creationTimestamp"]]?.string ?? "")
    }

    private static func mode(_ node: Node?, field: String, _ object: PolicyObject) throws(PolicyProblem) -> Mode {
        guard let node, !node.isNull else { return .unset }
        guard let text = node.string, let mode = Mode(rawValue: text) else {
            throw object.problem(field, at: node, "\(node.scalarText ?? "value") is not UNSET, DISABLE, PERMISSIVE or STRICT")
        }
        return mode
    }
}
