import YAML

/// What admission does beyond the schema for the kinds the transcripts cover: built-in
/// NetworkPolicy validation and defaulting (028, 036), the Calico admission policies (037-040),
/// Namespace defaults (012) and events.k8s.io/v1 validation (092, 096).
enum Admission {
    static func validate(_ object: Node, type: ResourceType) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        switch type.key {
        case "networking.k8s.io/networkpolicies":
            for direction in ["ingress", "egress"] {
                for (ruleIndex, rule) in (object[path: ["spec", direction]]?.sequence ?? []).enumerated() {
                    for (portIndex, port) in (rule["ports"]?.sequence ?? []).enumerated() {
                        if let number = port["port"]?.int, !(1...65535).contains(number) {
                            causes.append(.invalid("spec.\(direction)[\(ruleIndex)].ports[\(portIndex)].port", value: String(number), "must be between 1 and 65535, inclusive"))
                        }
                    }
                }
            }
        case "events.k8s.io/events", "/events":
            let event = type.key == "/events" ? EventConversion.fromCore(object) : object
            if event["eventTime"] == nil || event["eventTime"]?.isNull == true { return [.required("eventTime")] }
            for field in ["reportingController", "reportingInstance", "action", "reason"] where (event[field]?.string ?? "").isEmpty {
                if field == "reportingController" || field == "reason" { continue }
                causes.append(.required(field))
            }
            if let kind = event["type"]?.string, kind != "Normal", kind != "Warning" {
                causes.append(.invalid("type", value: "\"\"", "has invalid value: \(kind)"))
            }
        default: break
        }
        return causes
    }

    /// Server-side defaults, owned by no field manager.
    static func defaults(_ object: inout Node, type: ResourceType, old: Node?) {
        switch type.key {
        case "events.k8s.io/events", "/events":
            if object["deprecatedSource"] == nil { object["deprecatedSource"] = [:] }
            if object["deprecatedFirstTimestamp"] == nil { object["deprecatedFirstTimestamp"] = Node(.null) }
            if object["deprecatedLastTimestamp"] == nil { object["deprecatedLastTimestamp"] = Node(.null) }
        case "/namespaces":
            let name = object[path: ["metadata", "name"]]?.string ?? ""
            var labels = object[path: ["metadata", "labels"]] ?? [:]
            labels["kubernetes.io/metadata.name"] = .string(name)
            object["metadata"]?["labels"] = labels
            if object[path: ["spec", "finalizers"]] == nil { object["spec"] = ["finalizers": ["kubernetes"]] }
            if object[path: ["status", "phase"]] == nil { object["status"] = ["phase": "Active"] }
        case "networking.k8s.io/networkpolicies":
            guard var spec = object["spec"] else { return }
            var hasEgress = false
            for direction in ["ingress", "egress"] {
                guard var rules = spec[direction]?.sequence else { continue }
                if direction == "egress" { hasEgress = true }
                for index in rules.indices {
                    guard var ports = rules[index]["ports"]?.sequence else { continue }
                    for p in ports.indices where ports[p]["protocol"] == nil {
                        var port = Node.object(["protocol": "TCP"])
                        for entry in ports[p].entries ?? [] { port[entry.key] = entry.value }
                        ports[p] = port
                    }
                    rules[index]["ports"] = .sequence(ports)
                }
                spec[direction] = .sequence(rules)
            }
            if spec["policyTypes"] == nil { spec["policyTypes"] = hasEgress ? ["Ingress", "Egress"] : ["Ingress"] }
            object["spec"] = spec
        case "projectcalico.org/networkpolicies", "projectcalico.org/globalnetworkpolicies",
             "projectcalico.org/stagednetworkpolicies", "projectcalico.org/stagedglobalnetworkpolicies":
            guard var spec = object["spec"] else { return }
            if spec["tier"] == nil { spec["tier"] = "default" }
            if spec["types"] == nil {
                var types: [Node] = []
                if spec["ingress"] != nil || spec["egress"] == nil { types.append("Ingress") }
                if spec["egress"] != nil { types.append("Egress") }
                spec["types"] = .sequence(types)
            }
            let tier = spec["tier"]?.string ?? "default"
            object["spec"] = spec
            var labels = object[path: ["metadata", "labels"]] ?? [:]
            labels["projectcalico.org/tier"] = .string(tier)
            object["metadata"]?["labels"] = labels
        default: break
        }
    }
}
