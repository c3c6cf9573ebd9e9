import ReconcileCore
import Testing
import YAML

/// Each analyzer on inline fixtures: one input that triggers it, one that does not.
@Suite struct ReferencedResourceNotFoundTests {
    func vs(gateways: String = "", destination: String) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [shop.example.com]
          \(gateways)
          http:
            - route:
                - destination: \(destination)
        """
    }

    @Test func missingSubsetIsAnErrorAtTheSubsetLine() throws {
        let found = try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(destination: "{host: web, subset: v3}"), "mesh/dr.yaml": webDestinationRule])
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.message.contains("\"web+v3\"") == true)
        #expect(found.first?.source?.description == "mesh/vs.yaml:9")
        #expect(found.first?.object?.shortDescription == "VirtualService shop/web")
    }

    @Test func definedSubsetIsFine() throws {
        #expect(try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(destination: "{host: web, subset: v2}"), "mesh/dr.yaml": webDestinationRule]).isEmpty)
        // An FQDN host resolves to the same DestinationRule.
        #expect(try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(destination: "{host: web.shop.svc.cluster.local, subset: v1}"), "mesh/dr.yaml": webDestinationRule]).isEmpty)
    }

    @Test func missingGatewayIsReportedAndMeshIsNot() throws {
        let missing = try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(gateways: "gateways: [public, mesh]", destination: "{host: web}")])
        #expect(missing.map(\.message).first?.contains("referenced gateway not found: \"public\"") == true)
        let present = try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(gateways: "gateways: [public, mesh]", destination: "{host: web}"),
                                               "mesh/gw.yaml": ingressGateway])
        #expect(present.isEmpty)
    }

    @Test func liveGatewayCounts() throws {
        let live = shopLive + """

          - apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: shared, namespace: edge}
            spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*/*"]}]}
        """
        #expect(try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(gateways: "gateways: [edge/shared]", destination: "{host: web}")], live: live).isEmpty)
        #expect(try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(gateways: "gateways: [edge/other]", destination: "{host: web}")], live: live).count == 1)
    }

    @Test func unknownHostNeedsLiveState() throws {
        let files = ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(destination: "{host: wbe}")]
        #expect(try findings("IST0101", files).isEmpty, "offline, Services are not known")
        let found = try findings("IST0101", files, live: shopLive)
        #expect(found.map(\.message) == ["VirtualService shop/web: referenced host not found: \"wbe\" (no Service wbe.shop.svc.cluster.local in the cluster and no ServiceEntry for it)"])
        #expect(try findings("IST0101", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(destination: "{host: api.shop.svc.cluster.local}")], live: shopLive).isEmpty)
    }

    @Test func serviceEntryCoversAnExternalHost() throws {
        let entry = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: payments}
        spec: {hosts: ["*.stripe.com"], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS}
        """
        let files = ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs(destination: "{host: api.stripe.com}")]
        #expect(try findings("IST0101", files, live: shopLive).count == 1)
        #expect(try findings("IST0101", files.merging(["mesh/se.yaml": entry]) { a, _ in a }, live: shopLive).isEmpty)
    }
}

@Suite struct VirtualServiceConflictTests {
    func vs(_ name: String, host: String, gateways: String = "") -> String {
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: \(name)}\nspec:\n  hosts: [\(host)]\n  \(gateways)\n  http: [{route: [{destination: {host: web}}]}]\n"
    }

    @Test func twoMeshVirtualServicesForOneHostConflict() throws {
        let found = try findings("IST0109", ["reconcile.yaml": shopConfig, "mesh/a.yaml": vs("a", host: "web"), "mesh/b.yaml": vs("b", host: "web.shop.svc.cluster.local")])
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.severity == .error })
    }

    @Test func differentHostsDoNotConflict() throws {
        #expect(try findings("IST0109", ["reconcile.yaml": shopConfig, "mesh/a.yaml": vs("a", host: "web"), "mesh/b.yaml": vs("b", host: "api")]).isEmpty)
    }

    @Test func twoVirtualServicesOnOneGatewayForOneHost() throws {
        let files = ["reconcile.yaml": shopConfig, "mesh/gw.yaml": ingressGateway,
                     "mesh/a.yaml": vs("a", host: "shop.example.com", gateways: "gateways: [public]"),
                     "mesh/b.yaml": vs("b", host: "shop.example.com", gateways: "gateways: [public]")]
        #expect(try findings("KIA1106", files).count == 2)
        #expect(try findings("IST0109", files).isEmpty, "gateway-bound, not mesh")
        var single = files
        single["mesh/b.yaml"] = vs("b", host: "admin.example.com", gateways: "gateways: [public]")
        #expect(try findings("KIA1106", single).isEmpty)
    }
}

@Suite struct RuleOrderTests {
    func vs(_ http: String) -> String {
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec:\n  hosts: [web]\n  http:\n\(http)"
    }

    @Test func ruleAfterCatchAllIsUnreachable() throws {
        let found = try findings("IST0130", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs("""
            - route: [{destination: {host: web}}]
            - match: [{uri: {prefix: /api}}]
              route: [{destination: {host: api}}]

        """)])
        #expect(found.map(\.message) == ["VirtualService shop/web: http rule #1 not used (rule #0 matches every request; only the last rule may have no match)"])
        #expect(found.first?.source?.line == 8)
    }

    @Test func catchAllLastIsFine() throws {
        #expect(try findings("IST0130", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs("""
            - match: [{uri: {prefix: /api}}]
              route: [{destination: {host: api}}]
            - route: [{destination: {host: web}}]

        """)]).isEmpty)
    }

    @Test func repeatedMatchIsIneffective() throws {
        let found = try findings("IST0131", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs("""
            - match: [{uri: {prefix: /api}}, {headers: {x-canary: {exact: "1"}}}]
              route: [{destination: {host: api}}]
            - match: [{name: again, headers: {x-canary: {exact: "1"}}}]
              route: [{destination: {host: web}}]

        """)])
        #expect(found.map(\.message) == ["VirtualService shop/web: http rule #1 match #0 is not used (it repeats a match of rule #0)"])
    }

    @Test func differentMatchesAreEffective() throws {
        #expect(try findings("IST0131", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs("""
            - match: [{uri: {prefix: /api}}]
              route: [{destination: {host: api}}]
            - match: [{uri: {prefix: /api/v2}}]
              route: [{destination: {host: web}}]

        """)]).isEmpty)
    }
}

@Suite struct GatewayTests {
    func vs(hosts: String, gateway: String = "public") -> String {
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec:\n  hosts: \(hosts)\n  gateways: [\(gateway)]\n  http: [{route: [{destination: {host: web}}]}]\n"
    }

    @Test func hostNotInGateway() throws {
        let found = try findings("IST0132", ["reconcile.yaml": shopConfig, "mesh/gw.yaml": ingressGateway, "mesh/vs.yaml": vs(hosts: "[shop.example.com, admin.example.com]")])
        #expect(found.map(\.message) == ["VirtualService shop/web: one or more host [admin.example.com] defined in VirtualService not found in Gateway shop/public"])
        #expect(found.first?.severity == .warning)
    }

    @Test func wildcardsCoverHosts() throws {
        let wildcard = ingressGateway.replacingOccurrences(of: "[shop.example.com]", with: "[\"*.example.com\"]")
        #expect(try findings("IST0132", ["reconcile.yaml": shopConfig, "mesh/gw.yaml": wildcard, "mesh/vs.yaml": vs(hosts: "[shop.example.com, admin.example.com]")]).isEmpty)
        let namespaced = ingressGateway.replacingOccurrences(of: "[shop.example.com]", with: "[\"other/*\"]")
        #expect(try findings("IST0132", ["reconcile.yaml": shopConfig, "mesh/gw.yaml": namespaced, "mesh/vs.yaml": vs(hosts: "[shop.example.com]")]).count == 1,
                "a gateway host for namespace other does not accept shop's VirtualServices")
    }

    @Test func conflictingGateways() throws {
        let second = ingressGateway.replacingOccurrences(of: "name: public", with: "name: public-copy")
        let found = try findings("IST0145", ["reconcile.yaml": shopConfig, "mesh/gw.yaml": ingressGateway, "mesh/gw2.yaml": second])
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.message.contains("port 443, hosts shop.example.com") == true)
    }

    @Test func otherPortOrSelectorDoesNotConflict() throws {
        let otherHost = ingressGateway.replacingOccurrences(of: "name: public", with: "name: admin").replacingOccurrences(of: "shop.example.com", with: "admin.example.com")
        let otherSelector = ingressGateway.replacingOccurrences(of: "name: public", with: "name: internal").replacingOccurrences(of: "istio: ingressgateway", with: "istio: internal-gateway")
        #expect(try findings("IST0145", ["reconcile.yaml": shopConfig, "mesh/gw.yaml": ingressGateway, "mesh/a.yaml": otherHost, "mesh/b.yaml": otherSelector]).isEmpty)
    }
}

@Suite struct DestinationRuleTests {
    func dr(_ tls: String, portLevel: Bool = false) -> String {
        let policy = portLevel ? "portLevelSettings: [{port: {number: 443}, tls: \(tls)}]" : "tls: \(tls)"
        return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: db}\nspec:\n  host: db.example.com\n  trafficPolicy:\n    \(policy)\n"
    }

    @Test func simpleTLSWithoutCA() throws {
        let found = try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": dr("{mode: SIMPLE}")])
        #expect(found.map(\.code) == ["IST0128"])
        #expect(found.first?.message == "DestinationRule shop/db has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: db.example.com")
        let port = try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": dr("{mode: SIMPLE}", portLevel: true)])
        #expect(port.map(\.code) == ["IST0129"])
        #expect(port.first?.message.hasSuffix("at port number:443") == true)
    }

    @Test func caOrCredentialIsFine() throws {
        #expect(try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": dr("{mode: SIMPLE, caCertificates: /etc/ca.pem}")]).isEmpty)
        #expect(try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": dr("{mode: MUTUAL, credentialName: db-client}", portLevel: true)]).isEmpty)
        #expect(try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": dr("{mode: ISTIO_MUTUAL}")]).isEmpty)
    }

    @Test func mutualWithoutClientCertificate() throws {
        let found = try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": dr("{mode: MUTUAL, caCertificates: /etc/ca.pem}")])
        #expect(found.map(\.code) == ["RC4003"])
        #expect(try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": dr("{mode: MUTUAL, caCertificates: /etc/ca.pem, clientCertificate: /c.pem, privateKey: /k.pem}")]).isEmpty)
    }

    @Test func duplicateSubsets() throws {
        let duplicated = webDestinationRule.replacingOccurrences(of: "{name: v2, labels: {version: v2}}", with: "{name: v1, labels: {version: v2}}")
        let found = try findings("KIA0201", ["reconcile.yaml": plainConfig, "mesh/dr.yaml": duplicated])
        #expect(found.map(\.message) == ["DestinationRule shop/web: subset \"v1\" is defined more than once"])
        #expect(try findings("KIA0201", ["reconcile.yaml": plainConfig, "mesh/dr.yaml": webDestinationRule]).isEmpty)
    }

    @Test func mTLSConflictWithStrictPeerAuthentication() throws {
        let strict = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default}\nspec: {mtls: {mode: STRICT}}\n"
        let plain = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web}\nspec: {host: web, trafficPolicy: {tls: {mode: DISABLE}}}\n"
        let found = try findings("IST0113", ["reconcile.yaml": shopConfig, "mesh/pa.yaml": strict, "mesh/dr.yaml": plain])
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.object?.shortDescription == "DestinationRule shop/web")
        let permissive = strict.replacingOccurrences(of: "STRICT", with: "PERMISSIVE")
        #expect(try findings("IST0113", ["reconcile.yaml": shopConfig, "mesh/pa.yaml": permissive, "mesh/dr.yaml": plain]).isEmpty)
        let mutual = plain.replacingOccurrences(of: "DISABLE", with: "ISTIO_MUTUAL")
        #expect(try findings("IST0113", ["reconcile.yaml": shopConfig, "mesh/pa.yaml": strict, "mesh/dr.yaml": mutual]).isEmpty)
        let disabled = strict.replacingOccurrences(of: "STRICT", with: "DISABLE")
        #expect(try findings("IST0113", ["reconcile.yaml": shopConfig, "mesh/pa.yaml": disabled, "mesh/dr.yaml": mutual]).count == 1)
    }

    @Test func meshWideStrictApplies() throws {
        let config = """
        bundles:
          - {name: mesh, path: mesh, namespace: shop}
          - {name: root, path: root, namespace: istio-system}
        """
        let strict = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default}\nspec: {mtls: {mode: STRICT}}\n"
        let plain = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web}\nspec: {host: web, trafficPolicy: {tls: {mode: DISABLE}}}\n"
        // The mesh's root namespace is protected: the operator allows it (--allow-namespace istio-system).
        let scope = Scope(allowedNamespaces: ["istio-system"])
        #expect(try findings("IST0113", ["reconcile.yaml": config, "root/pa.yaml": strict, "mesh/dr.yaml": plain], scope: scope).count == 1)
        let localPermissive = strict.replacingOccurrences(of: "STRICT", with: "PERMISSIVE")
        #expect(try findings("IST0113", ["reconcile.yaml": config, "root/pa.yaml": strict, "mesh/pa.yaml": localPermissive, "mesh/dr.yaml": plain],
                             scope: scope).isEmpty,
                "the namespace policy overrides the mesh-wide one")
    }
}

@Suite struct InjectionAnalyzerTests {
    let vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec: {hosts: [web], http: [{route: [{destination: {host: web}}]}]}\n"

    @Test func meshObjectInANamespaceWithoutInjection() throws {
        let config = "bundles: [{name: mesh, path: mesh, namespace: shop}]"
        let live = shopLive.replacingOccurrences(of: "labels: {istio-injection: enabled}", with: "labels: {team: a}")
        let found = try findings("IST0102", ["reconcile.yaml": config, "mesh/vs.yaml": vs], live: live)
        #expect(found.map(\.message) == ["namespace shop is not enabled for Istio injection, but VirtualService shop/web configures the mesh in it"])
        #expect(try findings("IST0102", ["reconcile.yaml": config, "mesh/vs.yaml": vs]).isEmpty, "offline the namespace's labels are not known")
    }

    @Test func injectionPlannedOrPresentIsFine() throws {
        let live = shopLive.replacingOccurrences(of: "labels: {istio-injection: enabled}", with: "labels: {team: a}")
        #expect(try findings("IST0102", ["reconcile.yaml": shopConfig, "mesh/vs.yaml": vs], live: live).isEmpty, "the plan labels it")
        #expect(try findings("IST0102", ["reconcile.yaml": "bundles: [{name: mesh, path: mesh, namespace: shop}]", "mesh/vs.yaml": vs], live: shopLive).isEmpty)
    }

    static func workloads(replicas: Int = 2, strategy: String = "{type: RollingUpdate, rollingUpdate: {maxUnavailable: 25%}}", injected: Bool = false,
                          extraPod: String = "") -> String {
        let status = injected ? ", annotations: {sidecar.istio.io/status: '{\"revision\":\"default\"}'}" : ""
        return """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              replicas: \(replicas)
              strategy: \(strategy)
              selector: {matchLabels: {app: web}}
              template: {metadata: {labels: {app: web}}}
          - apiVersion: v1
            kind: Pod
            metadata: {name: web-1, namespace: shop, labels: {app: web}\(status)}
            status: {phase: Running}
        \(extraPod)
        """
    }

    let strict = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default}\nspec:\n  mtls:\n    mode: STRICT\n"

    @Test func strictWithPodsThatStayUninjected() throws {
        let bare = """
          - apiVersion: v1
            kind: Pod
            metadata: {name: debug, namespace: shop, labels: {run: debug}}
            status: {phase: Running}
        """
        let found = try findings("RC4001", ["reconcile.yaml": shopConfig, "mesh/pa.yaml": strict], live: Self.workloads(extraPod: bare))
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.message.contains("1 running pod in shop will have no sidecar after this plan (debug)") == true, "web-1 is restarted, debug is not")
        #expect(found.first?.source?.description == "mesh/pa.yaml:6")
    }

    @Test func strictIsFineWhenRestartsInjectEveryPod() throws {
        #expect(try findings("RC4001", ["reconcile.yaml": shopConfig, "mesh/pa.yaml": strict], live: Self.workloads()).isEmpty)
        let noRestart = shopConfig + "\nrestart: {enabled: false}"
        #expect(try findings("RC4001", ["reconcile.yaml": noRestart, "mesh/pa.yaml": strict], live: Self.workloads()).count == 1,
                "without restarts the pods stay uninjected")
        let permissive = strict.replacingOccurrences(of: "STRICT", with: "PERMISSIVE")
        #expect(try findings("RC4001", ["reconcile.yaml": noRestart, "mesh/pa.yaml": permissive], live: Self.workloads()).isEmpty)
    }

    @Test func restartOfASingleReplica() throws {
        let found = try findings("RC4002", ["reconcile.yaml": shopConfig], live: Self.workloads(replicas: 1))
        #expect(found.map(\.message) == ["restarting Deployment shop/web takes all of its pods down at once (1 replica): it is unavailable until the new pod is ready"])
        #expect(found.first?.severity == .warning)
        #expect(try findings("RC4002", ["reconcile.yaml": shopConfig], live: Self.workloads(replicas: 3, strategy: "{type: Recreate}")).count == 1)
        #expect(try findings("RC4002", ["reconcile.yaml": shopConfig], live: Self.workloads(replicas: 2, strategy: "{type: RollingUpdate, rollingUpdate: {maxUnavailable: 100%}}")).count == 1)
    }

    @Test func rollingRestartOfSeveralReplicasIsFine() throws {
        #expect(try findings("RC4002", ["reconcile.yaml": shopConfig], live: Self.workloads(replicas: 2)).isEmpty)
        #expect(try findings("RC4002", ["reconcile.yaml": shopConfig], live: Self.workloads(replicas: 1, injected: true)).isEmpty, "no restart planned")
    }
}

@Suite struct SuppressionTests {
    let plain = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: db\n  annotations: {galley.istio.io/analyze-suppress: \"%@\"}\nspec: {host: db.example.com, trafficPolicy: {tls: {mode: SIMPLE}}}\n"

    func codes(_ annotation: String) throws -> [String] {
        try findings(["reconcile.yaml": plainConfig, "mesh/dr.yaml": plain.replacingOccurrences(of: "%@", with: annotation)]).map(\.code)
    }

    @Test func codeOnTheObject() throws {
        #expect(try codes("IST0128") == [])
        #expect(try codes("IST0102, IST0128") == [])
        #expect(try codes("IST0102") == ["IST0128"])
    }

    @Test func codeForAResource() throws {
        #expect(try codes("IST0128=DestinationRule db.shop") == [])
        #expect(try codes("IST0128=DestinationRule *.shop") == [])
        #expect(try codes("IST0128=DestinationRule other.shop") == ["IST0128"])
    }

    @Test func annotationOnTheNamespace() throws {
        let live = shopLive.replacingOccurrences(of: "labels: {istio-injection: enabled}", with: "labels: {istio-injection: enabled}, annotations: {galley.istio.io/analyze-suppress: \"IST0128,POL002\"}")
        let found = try findings(["reconcile.yaml": shopConfig, "mesh/dr.yaml": plain.replacingOccurrences(of: "%@", with: "")], live: live)
        #expect(!found.map(\.code).contains("IST0128"))
        #expect(!found.map(\.code).contains("POL002"))
    }
}
