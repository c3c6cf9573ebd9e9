import ReconcileCore
import YAML

/// IST0128 NoServerCertificateVerificationDestinationLevel and IST0129
/// NoServerCertificateVerificationPortLevel: TLS origination (`SIMPLE` or `MUTUAL`) with neither
/// `caCertificates` nor `credentialName`, so the server's certificate is not verified against a
/// chosen CA. RC4003: `MUTUAL` without a client certificate and key (nor `credentialName`), which
/// Envoy cannot send.
struct DestinationRuleTLS: Analyzer {
    var codes: [String] { ["IST0128", "IST0129", "RC4003"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        for rule in input.desiredItems(kind: "DestinationRule", groups: Mesh.networking) {
            let host = rule.body[path: ["spec", "host"]]?.string ?? ""
            var settings: [(tls: Node, port: String?)] = []
            if let tls = rule.body[path: ["spec", "trafficPolicy", "tls"]] { settings.append((tls, nil)) }
            for port in rule.body[path: ["spec", "trafficPolicy", "portLevelSettings"]]?.sequence ?? [] {
                if let tls = port["tls"] { settings.append((tls, port[path: ["port", "number"]]?.scalarText ?? "?")) }
            }
            for subset in rule.body[path: ["spec", "subsets"]]?.sequence ?? [] {
                if let tls = subset[path: ["trafficPolicy", "tls"]] { settings.append((tls, nil)) }
                for port in subset[path: ["trafficPolicy", "portLevelSettings"]]?.sequence ?? [] {
                    if let tls = port["tls"] { settings.append((tls, port[path: ["port", "number"]]?.scalarText ?? "?")) }
                }
            }
            for (tls, port) in settings {
                guard let mode = tls["mode"]?.string, mode == "SIMPLE" || mode == "MUTUAL" else { continue }
                let hasCredential = tls["credentialName"]?.string?.isEmpty == false
                let at = port.map { " at port number:\($0)" } ?? ""
                if !hasCredential && tls["caCertificates"]?.string?.isEmpty != false {
                    findings.append(Finding(
                        code: port == nil ? "IST0128" : "IST0129", severity: .warning,
                        message: "DestinationRule \(rule.key.namespace)/\(rule.key.name) has TLS mode set to \(mode) but no caCertificates are set to validate server identity for host: \(host)\(at)",
                        object: rule.key, source: input.source(rule, at: tls.mark(ofKey: "mode")),
                        hint: "set caCertificates (a CA file in the sidecar) or credentialName (a Secret with ca.crt)"))
                }
                if mode == "MUTUAL", !hasCredential,
                   tls["clientCertificate"]?.string?.isEmpty != false || tls["privateKey"]?.string?.isEmpty != false {
                    findings.append(Finding(
                        code: "RC4003", severity: .error,
                        message: "DestinationRule \(rule.key.namespace)/\(rule.key.name) has TLS mode MUTUAL for host \(host)\(at) without clientCertificate and privateKey or credentialName: the client has no certificate to present",
                        object: rule.key, source: input.source(rule, at: tls.mark(ofKey: "mode")),
                        hint: "set credentialName (a Secret with tls.crt and tls.key), or clientCertificate and privateKey"))
                }
            }
        }
        return findings
    }
}

/// KIA0201 (Kiali): a DestinationRule that defines the same subset name twice (only the first is used).
struct DuplicateSubsets: Analyzer {
    var codes: [String] { ["KIA0201"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        for rule in input.desiredItems(kind: "DestinationRule", groups: Mesh.networking) {
            var seen = Set<String>()
            for subset in rule.body[path: ["spec", "subsets"]]?.sequence ?? [] {
                guard let name = subset["name"]?.string else { continue }
                if seen.insert(name).inserted { continue }
                findings.append(Finding(
                    code: "KIA0201", severity: .warning,
                    message: "\(rule.key.shortDescription): subset \"\(name)\" is defined more than once",
                    object: rule.key, source: input.source(rule, at: subset.mark(ofKey: "name")),
                    hint: "give each subset a unique name; routes to \(name) use the first definition only"))
            }
        }
        return findings
    }
}

/// IST0113 MTLSPolicyConflict: a DestinationRule's client TLS mode and the PeerAuthentication of
/// the destination's namespace (or the mesh) cannot talk: `DISABLE` (plain text) to a STRICT
/// server, or `ISTIO_MUTUAL` to a server with mTLS `DISABLE`. PERMISSIVE accepts both. Only
/// namespace-wide and mesh-wide PeerAuthentications are considered (workload selectors need the
/// workloads behind the host).
struct MTLSPolicyConflict: Analyzer {
    var codes: [String] { ["IST0113"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        let authentications = input.items(kind: "PeerAuthentication", groups: Mesh.security)
            .filter { $0.body[path: ["spec", "selector"]] == nil }
        // The first namespace-wide policy with a mode, per namespace (looked up for every rule).
        var local: [String: (mode: String, item: AnalysisInput.Item)] = [:]
        for item in authentications where local[item.key.namespace] == nil {
            if let mode = item.body[path: ["spec", "mtls", "mode"]]?.string, mode != "UNSET" { local[item.key.namespace] = (mode, item) }
        }
        let mesh = authentications.first { Mesh.rootNamespaces.contains($0.key.namespace) }
        func mode(namespace: String) -> (mode: String, item: AnalysisInput.Item)? {
            if let local = local[namespace] { return local }
            return mesh.flatMap { item in item.body[path: ["spec", "mtls", "mode"]]?.string.map { ($0, item) } }
        }
        for rule in input.items(kind: "DestinationRule", groups: Mesh.networking) {
            guard let rawHost = rule.body[path: ["spec", "host"]]?.string else { continue }
            let host = Mesh.fqdn(rawHost, namespace: rule.key.namespace)
            guard let namespace = MTLSPolicyConflict.namespace(of: host) else { continue }
            guard let tls = rule.body[path: ["spec", "trafficPolicy", "tls"]], let clientMode = tls["mode"]?.string else { continue }
            guard let server = mode(namespace: namespace) else { continue }
            let conflict = (clientMode == "DISABLE" && server.mode == "STRICT") || (clientMode == "ISTIO_MUTUAL" && server.mode == "DISABLE")
            guard conflict, rule.isDesired || server.item.isDesired else { continue }
            let subject = rule.isDesired ? rule : server.item
            let at = rule.isDesired ? tls.mark(ofKey: "mode") : server.item.body[path: ["spec", "mtls"]]?.mark(ofKey: "mode")
            findings.append(Finding(
                code: "IST0113", severity: .error,
                message: "a DestinationRule and PeerAuthentication are in conflict with regards to mTLS for host \(host): DestinationRule \(rule.key.namespace)/\(rule.key.name) sets tls mode \(clientMode) but PeerAuthentication \(server.item.key.namespace)/\(server.item.key.name) specifies \(server.mode)",
                object: subject.key, source: input.source(subject, at: at),
                hint: clientMode == "DISABLE" ? "use tls mode ISTIO_MUTUAL (or remove it), or make the PeerAuthentication PERMISSIVE" : "remove the DestinationRule's tls mode, or make the PeerAuthentication PERMISSIVE"))
        }
        return findings
    }

    /// The namespace a host lives in: `name.ns.svc.cluster.local` or `*.ns.svc.cluster.local`.
    static func namespace(of host: String) -> String? {
        if let service = Mesh.serviceName(host) { return service.namespace }
        let suffix = "." + Mesh.clusterDomain
        guard host.hasPrefix("*."), host.hasSuffix(suffix) else { return nil }
        let middle = host.dropFirst(2).dropLast(suffix.count)
        return middle.isEmpty || middle.contains(".") ? nil : String(middle)
    }
}

/// IST0145 ConflictingGateways: two Gateways with the same workload selector define a server on
/// the same port with the same host (the proxy can serve only one of them).
struct ConflictingGateways: Analyzer {
    var codes: [String] { ["IST0145"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        var findings: [Finding] = []
        let gateways = input.items(kind: "Gateway", groups: Mesh.networking)
        var reported = Set<String>()
        for (i, gateway) in gateways.enumerated() {
            let selector = gateway.body[path: ["spec", "selector"]]?.withoutMarks ?? Node(.mapping([]))
            for other in gateways[(i + 1)...] {
                guard gateway.isDesired || other.isDesired else { continue }
                guard (other.body[path: ["spec", "selector"]]?.withoutMarks ?? Node(.mapping([]))) == selector else { continue }
                for server in gateway.body[path: ["spec", "servers"]]?.sequence ?? [] {
                    guard let port = server[path: ["port", "number"]]?.int else { continue }
                    for otherServer in other.body[path: ["spec", "servers"]]?.sequence ?? [] where otherServer[path: ["port", "number"]]?.int == port {
                        let hosts = Set((server["hosts"]?.sequence ?? []).compactMap(\.string).map(ConflictingGateways.hostPart))
                        let otherHosts = Set((otherServer["hosts"]?.sequence ?? []).compactMap(\.string).map(ConflictingGateways.hostPart))
                        let shared = hosts.intersection(otherHosts).sorted()
                        guard !shared.isEmpty else { continue }
                        let subject = gateway.isDesired ? gateway : other
                        let pair = "\(gateway.key)|\(other.key)|\(port)"
                        guard reported.insert(pair).inserted else { continue }
                        let subjectServer = gateway.isDesired ? server : otherServer
                        let selectorText = (selector.entries ?? []).map { "\($0.key)=\($0.value.scalarText ?? "")" }.joined(separator: ",")
                        findings.append(Finding(
                            code: "IST0145", severity: .error,
                            message: "Gateway \(subject.key.namespace)/\(subject.key.name): conflict with gateway \((subject.key == gateway.key ? other : gateway).key.namespace)/\((subject.key == gateway.key ? other : gateway).key.name) (workload selector \(selectorText), port \(port), hosts \(shared.joined(separator: ", ")))",
                            object: subject.key, source: input.source(subject, at: subjectServer.mark),
                            hint: "serve each host and port from one Gateway per ingress workload, or give one of them another port or host"))
                    }
                }
            }
        }
        return findings
    }

    static func hostPart(_ raw: String) -> String {
        guard let slash = raw.firstIndex(of: "/") else { return raw }
        return String(raw[raw.index(after: slash)...])
    }
}
