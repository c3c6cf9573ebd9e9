import ReconcileCore
import YAML

/// A VirtualService's route destinations (http, tcp and tls routes, and http mirrors).
struct RouteDestination {
    var host: String
    var subset: String?
    var node: Node
}

extension Node {
    var virtualServiceDestinations: [RouteDestination] {
        var result: [RouteDestination] = []
        for section in ["http", "tcp", "tls"] {
            for rule in self[path: ["spec", section]]?.sequence ?? [] {
                var destinations = (rule["route"]?.sequence ?? []).compactMap { $0["destination"] }
                if let mirror = rule["mirror"] { destinations.append(mirror) }
                for destination in destinations {
                    guard let host = destination["host"]?.string else { continue }
                    result.append(RouteDestination(host: host, subset: destination["subset"]?.string, node: destination))
                }
            }
        }
        return result
    }

    /// `spec.gateways`; empty means the mesh gateway only.
    var virtualServiceGateways: [String] { (self[path: ["spec", "gateways"]]?.sequence ?? []).compactMap(\.string) }

    var isBoundToMesh: Bool {
        let gateways = virtualServiceGateways
        return gateways.isEmpty || gateways.contains("mesh")
    }
}

/// IST0101 ReferencedResourceNotFound for VirtualServices: a gateway that is neither desired nor
/// live, a DestinationRule subset no DestinationRule for the host defines, and (when the cluster
/// is known) a destination host with no Service or ServiceEntry.
struct ReferencedResourceNotFound: Analyzer {
    var codes: [String] { ["IST0101"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        let gateways = Set(input.items(kind: "Gateway", groups: Mesh.networking).map(\.key))
        // DestinationRules by the FQDN of their host, built once: matching each route's host
        // against every rule was O(routes × rules), most of a 10,000-object plan's time.
        var rulesByHost: [String: [(key: ObjectKey, subsets: Set<String>)]] = [:]
        for rule in input.items(kind: "DestinationRule", groups: Mesh.networking) {
            rulesByHost[Mesh.fqdn(rule.body[path: ["spec", "host"]]?.string ?? "", namespace: rule.key.namespace), default: []]
                .append((rule.key, Planner.subsetNames(rule.body)))
        }
        let entries = input.items(kind: "ServiceEntry", groups: Mesh.networking)
        for vs in input.desiredItems(kind: "VirtualService", groups: Mesh.networking) {
            let namespace = vs.key.namespace
            for (index, reference) in vs.body.virtualServiceGateways.enumerated() {
                guard let key = Mesh.gatewayKey(reference, namespace: namespace), !gateways.contains(key) else { continue }
                // Gateways of other namespaces may exist outside what reconcile sees offline.
                if input.live == nil && key.namespace != namespace { continue }
                findings.append(Finding(
                    code: "IST0101", severity: .error,
                    message: "\(vs.key.shortDescription): referenced gateway not found: \"\(reference)\" (no Gateway \(key.namespace)/\(key.name) in git\(input.live == nil ? "" : " or in the cluster"))",
                    object: vs.key, source: input.source(vs, at: vs.body[path: ["spec", "gateways"]]?.sequence?[index].mark),
                    hint: "add the Gateway \(key.namespace)/\(key.name) or fix the name in spec.gateways (\"namespace/name\" for another namespace)"))
            }
            var reported = Set<String>()
            for destination in vs.body.virtualServiceDestinations {
                let host = Mesh.fqdn(destination.host, namespace: namespace)
                if let subset = destination.subset, !reported.contains("\(host)#\(subset)") {
                    let matching = rulesByHost[host] ?? []
                    let defined = matching.contains { $0.subsets.contains(subset) }
                    if !defined {
                        reported.insert("\(host)#\(subset)")
                        let where_ = matching.isEmpty ? "no DestinationRule for host \(destination.host)" : "not defined by DestinationRule \(matching.map { $0.key.namespace + "/" + $0.key.name }.joined(separator: ", "))"
                        findings.append(Finding(
                            code: "IST0101", severity: .error,
                            message: "\(vs.key.shortDescription): referenced host+subset in destinationrule not found: \"\(destination.host)+\(subset)\" (\(where_))",
                            object: vs.key, source: input.source(vs, at: destination.node.mark(ofKey: "subset")),
                            hint: matching.isEmpty
                                ? "add a DestinationRule for host \(destination.host) with subset \(subset), in the same bundle or one it needs"
                                : "add subset \(subset) to the DestinationRule, or route to a subset it defines"))
                    }
                }
                guard let live = input.live, !host.contains("*"), !reported.contains(host) else { continue }
                if hostExists(host, live: live, entries: entries) { continue }
                reported.insert(host)
                findings.append(Finding(
                    code: "IST0101", severity: .error,
                    message: "\(vs.key.shortDescription): referenced host not found: \"\(destination.host)\" (no Service \(host) in the cluster and no ServiceEntry for it)",
                    object: vs.key, source: input.source(vs, at: destination.node.mark(ofKey: "host")),
                    hint: "check the host name (short names resolve in namespace \(namespace)), or add a ServiceEntry for an external host"))
            }
        }
        return findings
    }

    private func hostExists(_ host: String, live: LiveState, entries: [AnalysisInput.Item]) -> Bool {
        if let service = Mesh.serviceName(host),
           live.context[ObjectKey(group: "", kind: "Service", namespace: service.namespace, name: service.name)] != nil {
            return true
        }
        return entries.contains { entry in
            (entry.body[path: ["spec", "hosts"]]?.sequence ?? []).compactMap(\.string).contains { Mesh.hostMatches(pattern: $0, host: host) }
        }
    }
}

/// IST0109 ConflictingMeshGatewayVirtualServiceHosts: two VirtualServices bound to the mesh
/// gateway define the same host (Istio uses one of them, which one is not defined).
/// KIA1106: two VirtualServices bound to the same (non-mesh) Gateway define the same host (Istio
/// merges them, and the order of the merged routes is not defined).
struct ConflictingVirtualServiceHosts: Analyzer {
    var codes: [String] { ["IST0109", "KIA1106"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        let services = input.items(kind: "VirtualService", groups: Mesh.networking)
        // Bucket by (binding, host): binding "mesh" or a gateway key.
        var buckets: [String: [(item: AnalysisInput.Item, host: String, mark: Mark?)]] = [:]
        var order: [String] = []
        for vs in services {
            let hostNodes = vs.body[path: ["spec", "hosts"]]?.sequence ?? []
            var bindings: [String] = []
            if vs.body.isBoundToMesh { bindings.append("mesh") }
            for reference in vs.body.virtualServiceGateways {
                if let key = Mesh.gatewayKey(reference, namespace: vs.key.namespace) { bindings.append("\(key.namespace)/\(key.name)") }
            }
            for binding in bindings {
                for hostNode in hostNodes {
                    guard let host = hostNode.string else { continue }
                    let bucket = "\(binding)|\(Mesh.fqdn(host, namespace: vs.key.namespace))"
                    if buckets[bucket] == nil { order.append(bucket) }
                    buckets[bucket, default: []].append((vs, host, hostNode.mark))
                }
            }
        }
        for bucket in order {
            guard let members = buckets[bucket], members.count > 1, members.contains(where: \.item.isDesired) else { continue }
            let binding = String(bucket[..<bucket.firstIndex(of: "|")!])
            let names = members.map { "\($0.item.key.namespace)/\($0.item.key.name)" }
            for member in members where member.item.isDesired {
                let others = names.filter { $0 != "\(member.item.key.namespace)/\(member.item.key.name)" }
                if binding == "mesh" {
                    findings.append(Finding(
                        code: "IST0109", severity: .error,
                        message: "\(member.item.key.shortDescription): the VirtualServices \(names.joined(separator: ", ")) associated with mesh gateway define the same host \"\(member.host)\"",
                        object: member.item.key, source: input.source(member.item, at: member.mark),
                        hint: "merge the routes into one VirtualService for this host (also conflicting: \(others.joined(separator: ", ")))"))
                } else {
                    findings.append(Finding(
                        code: "KIA1106", severity: .warning,
                        message: "\(member.item.key.shortDescription): more than one VirtualService for host \"\(member.host)\" on gateway \(binding): \(names.joined(separator: ", "))",
                        object: member.item.key, source: input.source(member.item, at: member.mark),
                        hint: "Istio merges them in an undefined order: keep one VirtualService per host and gateway"))
                }
            }
        }
        return findings
    }
}

/// IST0130 VirtualServiceUnreachableRule: an http rule after a rule that matches every request;
/// IST0131 VirtualServiceIneffectiveMatch: a match that repeats an earlier match exactly.
struct VirtualServiceRuleOrder: Analyzer {
    var codes: [String] { ["IST0130", "IST0131"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        for vs in input.desiredItems(kind: "VirtualService", groups: Mesh.networking) {
            let rules = vs.body[path: ["spec", "http"]]?.sequence ?? []
            var catchAll: Int?
            var seen: [(match: Node, rule: Int)] = []
            for (index, rule) in rules.enumerated() {
                if let first = catchAll {
                    findings.append(Finding(
                        code: "IST0130", severity: .warning,
                        message: "\(vs.key.shortDescription): http rule #\(index) not used (rule #\(first) matches every request; only the last rule may have no match)",
                        object: vs.key, source: input.source(vs, at: rule.mark),
                        hint: "move rule #\(first) to the end, or give it a match"))
                    continue
                }
                let matches = rule["match"]?.sequence ?? []
                for (matchIndex, match) in matches.enumerated() {
                    let comparable = VirtualServiceRuleOrder.withoutName(match)
                    if let earlier = seen.first(where: { $0.match == comparable }) {
                        findings.append(Finding(
                            code: "IST0131", severity: .warning,
                            message: "\(vs.key.shortDescription): http rule #\(index) match #\(matchIndex) is not used (it repeats a match of rule #\(earlier.rule))",
                            object: vs.key, source: input.source(vs, at: match.mark),
                            hint: "remove the duplicate match or make it more specific than the earlier one"))
                    } else {
                        seen.append((comparable, index))
                    }
                }
                if matches.isEmpty || matches.contains(where: VirtualServiceRuleOrder.matchesEverything) { catchAll = index }
            }
        }
        return findings
    }

    /// `{}` or only `uri.prefix: /` (the name does not change what matches).
    static func matchesEverything(_ match: Node) -> Bool {
        let fields = (withoutName(match).entries ?? [])
        if fields.isEmpty { return true }
        guard fields.count == 1, fields[0].key == "uri", let uri = fields[0].value.entries, uri.count == 1 else { return false }
        return uri[0].key == "prefix" && uri[0].value.string == "/"
    }

    static func withoutName(_ match: Node) -> Node {
        var copy = match
        copy["name"] = nil
        return copy
    }
}

/// IST0132 VirtualServiceHostNotFoundInGateway: a VirtualService host that no server of its
/// gateways accepts (gateway hosts `ns/host`, `*/host`, `./host` and wildcards as Istio reads them).
struct VirtualServiceHostNotFoundInGateway: Analyzer {
    var codes: [String] { ["IST0132"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        let gateways = Dictionary(input.items(kind: "Gateway", groups: Mesh.networking).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for vs in input.desiredItems(kind: "VirtualService", groups: Mesh.networking) {
            for reference in vs.body.virtualServiceGateways {
                guard let key = Mesh.gatewayKey(reference, namespace: vs.key.namespace), let gateway = gateways[key] else { continue }
                let gatewayHosts = (gateway.body[path: ["spec", "servers"]]?.sequence ?? []).flatMap { server in
                    (server["hosts"]?.sequence ?? []).compactMap(\.string)
                }.compactMap { VirtualServiceHostNotFoundInGateway.hostVisible($0, gatewayNamespace: key.namespace, vsNamespace: vs.key.namespace) }
                for hostNode in vs.body[path: ["spec", "hosts"]]?.sequence ?? [] {
                    guard let host = hostNode.string else { continue }
                    if gatewayHosts.contains(where: { Mesh.hostsIntersect($0, host) }) { continue }
                    findings.append(Finding(
                        code: "IST0132", severity: .warning,
                        message: "\(vs.key.shortDescription): one or more host [\(host)] defined in VirtualService not found in Gateway \(key.namespace)/\(key.name)",
                        object: vs.key, source: input.source(vs, at: hostNode.mark),
                        hint: "add \(host) to a server of Gateway \(key.namespace)/\(key.name), or remove it from the VirtualService's hosts"))
                }
            }
        }
        return findings
    }

    /// The host part of a gateway server host when the VirtualService's namespace may bind to it.
    static func hostVisible(_ raw: String, gatewayNamespace: String, vsNamespace: String) -> String? {
        guard let slash = raw.firstIndex(of: "/") else { return raw }
        let namespace = String(raw[..<slash])
        let host = String(raw[raw.index(after: slash)...])
        if namespace == "*" || namespace == vsNamespace || (namespace == "." && gatewayNamespace == vsNamespace) { return host }
        return nil
    }
}
