import Foundation
import ReconcileCore
import ReconcileFindings
import Testing
import YAML

/// Each shipped policy with an object that violates it and one that does not, plus the format's
/// features and errors.
@Suite struct ShippedPolicyRuleTests {
    func codes(_ files: [String: String], live: String? = nil) throws -> [String] {
        try findings(files, live: live).map(\.code).filter { $0.hasPrefix("POL") }
    }

    func peerAuthentication(_ spec: String) -> String {
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default}\nspec:\n\(spec)\n"
    }

    @Test func pol001DisabledMTLS() throws {
        let found = try findings("POL001", ["reconcile.yaml": plainConfig, "mesh/pa.yaml": peerAuthentication("  mtls:\n    mode: DISABLE")])
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.source?.description == "mesh/pa.yaml:6", "the line of the mode field")
        #expect(found.first?.message.contains("spec.mtls.mode") == true)
        #expect(try codes(["reconcile.yaml": plainConfig, "mesh/pa.yaml": peerAuthentication("  portLevelMtls:\n    \"8080\": {mode: DISABLE}")]) == ["POL001"])
    }

    @Test func pol001AllowsOtherModes() throws {
        for spec in ["  mtls: {mode: STRICT}", "  mtls: {mode: PERMISSIVE}", "  selector: {matchLabels: {app: web}}", "  portLevelMtls: {\"8080\": {mode: PERMISSIVE}}"] {
            #expect(try codes(["reconcile.yaml": plainConfig, "mesh/pa.yaml": peerAuthentication(spec)]) == [], "\(spec)")
        }
    }

    let networkPolicy = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: default-deny}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
    """

    @Test func pol002InjectedNamespaceWithoutDefaultDeny() throws {
        let found = try findings("POL002", ["reconcile.yaml": shopConfig])
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
        #expect(found.first?.object?.shortDescription == "Namespace shop")
        #expect(found.first?.source?.description == "reconcile.yaml:6", "the namespaces: entry")
        // A NetworkPolicy that allows everything is no default-deny.
        let allowAll = networkPolicy + "\n  ingress: [{}]"
        #expect(try codes(["reconcile.yaml": shopConfig, "mesh/np.yaml": allowAll]) == ["POL002"])
        // A revision label injects too.
        #expect(try codes(["reconcile.yaml": shopConfig.replacingOccurrences(of: "shop: enabled", with: "shop: {revision: asm-1-23}")]) == ["POL002"])
    }

    @Test func pol002SatisfiedByKubernetesOrCalicoPolicies() throws {
        #expect(try codes(["reconcile.yaml": shopConfig, "mesh/np.yaml": networkPolicy]) == [])
        let allowlist = networkPolicy + "\n  ingress: [{from: [{namespaceSelector: {matchLabels: {istio-injection: enabled}}}]}]"
        #expect(try codes(["reconcile.yaml": shopConfig, "mesh/np.yaml": allowlist]) == [], "isolated pods with an allowlist")
        let calico = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {selector: all(), types: [Ingress]}\n"
        #expect(try codes(["reconcile.yaml": shopConfig, "mesh/np.yaml": calico]) == [])
        let global = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: deny-shop}\nspec: {selector: \"projectcalico.org/namespace == 'shop'\", types: [Ingress], ingress: [{action: Deny}]}\n"
        #expect(try codes(["reconcile.yaml": "bundles: [{name: mesh, path: mesh}]\nnamespaces: {shop: enabled}", "mesh/gnp.yaml": global]) == [])
        let otherNamespace = global.replacingOccurrences(of: "'shop'", with: "'other'")
        #expect(try codes(["reconcile.yaml": "bundles: [{name: mesh, path: mesh}]\nnamespaces: {shop: enabled}", "mesh/gnp.yaml": otherNamespace]) == ["POL002"])
        // Not injected: nothing required.
        #expect(try codes(["reconcile.yaml": shopConfig.replacingOccurrences(of: "shop: enabled", with: "shop: disabled")]) == [])
    }

    @Test func pol002SeesLivePolicies() throws {
        let live = shopLive + """

          - apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: default-deny, namespace: shop}
            spec: {podSelector: {}, policyTypes: [Ingress]}
        """
        #expect(try codes(["reconcile.yaml": shopConfig], live: shopLive) == ["POL002"])
        #expect(try codes(["reconcile.yaml": shopConfig], live: live) == [])
    }

    func gateway(selector: String, server: String) -> String {
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: edge}\nspec:\n  selector: {istio: \(selector)}\n  servers:\n    - \(server)\n"
    }

    @Test func pol003ExternalWildcardWithoutTLS() throws {
        let http = "{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"]}"
        let found = try findings("POL003", ["reconcile.yaml": plainConfig, "mesh/gw.yaml": gateway(selector: "aks-istio-ingressgateway-external", server: http)])
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
        #expect(found.first?.source?.line == 7)
        #expect(try codes(["reconcile.yaml": plainConfig, "mesh/gw.yaml": gateway(selector: "ingressgateway", server: http.replacingOccurrences(of: "\"*\"", with: "\"*/*\""))]) == ["POL003"])
    }

    @Test func pol003AllowsTLSNamedHostsAndInternalGateways() throws {
        let http = "{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"]}"
        let tls = "{port: {number: 443, name: https, protocol: HTTPS}, hosts: [\"*\"], tls: {mode: SIMPLE, credentialName: cert}}"
        let redirect = "{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"], tls: {httpsRedirect: true}}"
        let named = "{port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}"
        for (selector, server) in [("ingressgateway", tls), ("ingressgateway", redirect), ("ingressgateway", named),
                                   ("aks-istio-ingressgateway-internal", http), ("eastwestgateway", http)] {
            #expect(try codes(["reconcile.yaml": plainConfig, "mesh/gw.yaml": gateway(selector: selector, server: server)]) == [], "\(selector) \(server)")
        }
    }

    func authorizationPolicy(_ spec: String) -> String {
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web}\nspec:\n\(spec)\n"
    }

    @Test func pol004AllowAll() throws {
        #expect(try codes(["reconcile.yaml": plainConfig, "mesh/ap.yaml": authorizationPolicy("  rules: [{}]")]) == ["POL004"])
        let explicit = try findings("POL004", ["reconcile.yaml": plainConfig, "mesh/ap.yaml": authorizationPolicy("  action: ALLOW\n  rules:\n    - {}")])
        #expect(explicit.first?.severity == .error)
        #expect(explicit.first?.source?.line == 5, "the line of spec.action")
    }

    @Test func pol004AllowsRulesWithClausesDenyAndAllowNothing() throws {
        for spec in ["  rules: [{from: [{source: {principals: [\"cluster.local/ns/shop/sa/web\"]}}]}]", "  action: DENY\n  rules: [{}]", "  {}"] {
            #expect(try codes(["reconcile.yaml": plainConfig, "mesh/ap.yaml": authorizationPolicy(spec)]) == [], "\(spec)")
        }
    }
}

@Suite struct PolicyFormatTests {
    let custom = """
    # Every Deployment-like mesh object must name a team.
    apiVersion: reconcile.dev/v1
    kind: Policy
    metadata:
      name: team-label
      annotations:
        reconcile.dev/code: POL100
        reconcile.dev/severity: info
    spec:
      rules:
        - name: team-label
          match:
            any:
              - resources:
                  kinds: [networking.istio.io/*]
                  namespaces: [sh*]
          exclude:
            any:
              - resources:
                  kinds: [Gateway]
          validate:
            message: mesh objects carry a team label
            pattern:
              metadata:
                labels:
                  team: "?*"
    """

    let vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web%@}\nspec: {hosts: [web], http: [{route: [{destination: {host: web}}]}]}\n"

    @Test func repositoryPoliciesAreLoadedAndAreNotManifests() throws {
        let config = "bundles: [{name: mesh, path: mesh, namespace: shop}]\npolicies: [mesh/guardrails]"
        let files = ["reconcile.yaml": config, "mesh/guardrails/team.yaml": custom,
                     "mesh/vs.yaml": vs.replacingOccurrences(of: "%@", with: ""),
                     "mesh/vs2.yaml": vs.replacingOccurrences(of: "%@", with: "-2, labels: {team: a}").replacingOccurrences(of: "name: web-2", with: "name: web-2")]
        let state = try renderState(files)
        #expect(state.objects.map(\.key.name).sorted() == ["web", "web-2"], "the policy file is not a manifest")
        #expect(state.policies.map(\.name) == ["team-label"])
        let found = Analyzers.offline(state).filter { $0.code == "POL100" }
        #expect(found.map(\.object?.name) == ["web"])
        #expect(found.first?.severity == .info)
        #expect(found.first?.message == "VirtualService shop/web: mesh objects carry a team label (metadata.labels.team: field is missing (want \"?*\")) [policy team-label, rule team-label]")
    }

    @Test func repositoryPolicyReplacesAShippedOneByName() throws {
        let off = "apiVersion: reconcile.dev/v1\nkind: Policy\nmetadata:\n  name: injected-namespace-default-deny\n  annotations: {reconcile.dev/code: POL002}\nspec:\n  rules: []\n"
        let files = ["reconcile.yaml": shopConfig + "\npolicies: guardrails/off.yaml", "guardrails/off.yaml": off]
        #expect(try findings("POL002", files).isEmpty)
        #expect(try findings("POL002", ["reconcile.yaml": shopConfig]).count == 1)
    }

    @Test func badPoliciesAreRenderErrorsWithLines() throws {
        func error(_ policy: String) -> String? {
            do {
                _ = try renderState(["reconcile.yaml": "policies: p.yaml", "p.yaml": policy])
                return nil
            } catch let error as RenderError {
                return error.diagnostics.first.map { "\($0.mark?.line ?? 0): \($0.message)" }
            } catch {
                return "\(error)"
            }
        }
        let base = "apiVersion: reconcile.dev/v1\nkind: Policy\nmetadata:\n  name: p\n  annotations: {reconcile.dev/code: POL9}\nspec:\n  rules:\n"
        #expect(error(base + "    - name: r\n      match: {any: [{resources: {kinds: [Pod]}}]}\n      validate:\n        deny:\n          conditions:\n            any:\n              - {key: a, operator: Bigger, value: b}\n")?
            .hasPrefix("14: spec.rules[0].validate.deny.conditions.any[0]: unknown operator \"Bigger\"") == true)
        #expect(error(base + "    - name: r\n      match: {any: [{resources: {kinds: [Pod]}}]}\n") == "8: spec.rules[0] (r): a rule needs validate.pattern, validate.deny, validate.foreach or require")
        #expect(error(base.replacingOccurrences(of: "{reconcile.dev/code: POL9}", with: "{}")) == "4: policy p: missing annotation reconcile.dev/code (the finding code, e.g. POL100)")
        #expect(error(base + "    - name: r\n      match: {any: [{resources: {kinds: [Pod]}}]}\n      validate: {deny: {conditions: [{key: '{{ request.object.spec.x(', operator: Equals, value: 1}]}}\n") != nil)
        #expect((try? renderState(["reconcile.yaml": "policies: missing/"])) == nil, "a policies: entry that matches nothing is an error")
    }

    @Test func expressionsAndOperators() throws {
        let object: Node = ["spec": ["servers": .sequence([["hosts": ["a", "b"]], ["hosts": ["c"]]]), "ports": ["http": ["n": 80], "tls": ["n": 443]]]]
        let roots = ["request": Node.object(["object": object])]
        func eval(_ text: String) throws -> Node? { try PolicyExpressionProbe.evaluate(text, roots) }
        #expect(try eval("request.object.spec.servers[].hosts[]") == ["a", "b", "c"])
        #expect(try eval("length(request.object.spec.servers)") == 2)
        #expect(try eval("values(request.object.spec.ports)[].n") == [80, 443])
        #expect(try eval("request.object.spec.servers[1].hosts[0]") == "c")
        #expect(try eval("request.object.spec.missing || 'none'") == "none")
        #expect(try eval("request.object.spec.missing") == nil)
        let ap: Node = ["spec": ["rules": .sequence([Node(.mapping([]))])]]
        let apRoots = ["request": Node.object(["object": ap])]
        #expect(try PolicyExpressionProbe.evaluate("request.object.spec.action || 'ALLOW'", apRoots) == "ALLOW")
        #expect(try PolicyExpressionProbe.evaluate("request.object.spec.rules || `[]`", apRoots) == .sequence([Node(.mapping([]))]))
        #expect(PolicyExpressionProbe.holds("AnyIn", .sequence([Node(.mapping([]))]), .sequence([Node(.mapping([]))])))
        #expect(PolicyExpressionProbe.holds("AnyIn", ["a", "x"], ["x*"]))
        #expect(!PolicyExpressionProbe.holds("AllIn", ["a", "x"], ["x*"]))
        #expect(PolicyExpressionProbe.holds("AllNotIn", ["a"], ["b", "c"]))
        #expect(PolicyExpressionProbe.holds("GreaterThan", 3, 2))
        #expect(PolicyExpressionProbe.holds("Equals", ["*"], ["*"]))
        #expect(!PolicyExpressionProbe.holds("Equals", ["a"], ["*"]), "lists compare whole, without wildcards")
        #expect(PolicyExpressionProbe.holds("NotEquals", "prod", "dev*"))
    }

    @Test func patternFeatures() throws {
        let object: Node = ["spec": ["replicas": 3, "mode": "STRICT", "containers": .sequence([["name": "app", "image": "a:1"], ["name": "proxy", "image": "p:1"]])]]
        func ok(_ yaml: String) throws -> Bool {
            PolicyExpressionProbe.matches(try YAMLParser.parse(yaml, file: "p.yaml")[0].root, object)
        }
        #expect(try ok("spec: {replicas: '>=2', mode: 'STRICT | PERMISSIVE'}"))
        #expect(try !ok("spec: {mode: '!STRICT'}"))
        #expect(try ok("spec: {containers: [{image: '*:?*'}]}"))
        #expect(try !ok("spec: {containers: [{name: app}]}"), "every element must match")
        #expect(try ok("spec: {containers: [{(name): proxy, image: 'p:*'}]}"), "conditional anchor skips other elements")
        #expect(try ok("spec: {=(paused): false, X(template): null}"))
        #expect(try !ok("spec: {X(mode): null}"))
        #expect(try !ok("spec: {missing: '*'}"))
    }
}
