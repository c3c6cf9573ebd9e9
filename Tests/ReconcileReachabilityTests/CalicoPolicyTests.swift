import ReconcileReachability
import Testing

/// Calico's ordering semantics, from its documentation: "Get started with Calico network
/// policy" (docs.tigera.io/calico/latest/network-policy/get-started/calico-policy/), "Policy
/// tiers" / "Get started with policy tiers" (…/network-policy/policy-tiers/tiered-policy/:
/// Pass, end-of-tier deny, tier order), and the NetworkPolicy / GlobalNetworkPolicy reference
/// (…/reference/resources/networkpolicy: order, types defaulting, Log, selectors).
@Suite("Calico policy truth tables")
struct CalicoPolicyTests {
    @Test("calico-policy: lower order first — a Deny at order 100 beats a Kubernetes allow (order 1000)")
    func orderBeforeKubernetes() throws {
        let m = try model("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: deny-from-z}
            spec:
              selector: projectcalico.org/namespace == 'x'
              order: 100
              types: [Ingress]
              ingress:
                - action: Deny
                  source: {namespaceSelector: ns == 'z'}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: x}
            spec:
              podSelector: {}
              ingress: [{}]
            """)
        #expect(m.blocked() == pairs(from: ["z/a", "z/b", "z/c"], to: ["x/a", "x/b", "x/c"]))
        #expect(m.verdict("z/a", "x/b")?.rule.description == "GlobalNetworkPolicy deny-from-z: ingress rule 1 (Deny)")
        #expect(m.verdict("y/a", "x/b")?.rule.description == "NetworkPolicy x/allow-all: ingress rule 1")
    }

    @Test("calico-policy: the first matching rule decides; Log goes on to the next rule")
    func ruleOrderAndLog() throws {
        let m = try model("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: ordered, namespace: x}
            spec:
              selector: pod == 'a'
              ingress:
                - action: Log
                - action: Allow
                  source: {selector: pod == 'b'}
                - action: Deny
                  source: {selector: has(pod)}
                - action: Allow
            """)
        #expect(m.outcome("x/b", "x/a") == .allowed)
        #expect(m.outcome("x/c", "x/a") == .denied)
        #expect(m.outcome("y/c", "x/a") == .allowed, "a namespaced policy's selector means its own namespace: y/c matches only rule 4")
    }

    @Test("tiered-policy: Pass skips the rest of the tier; a tier that selects but does not decide ends in deny")
    func tiersPassAndEndOfTier() throws {
        let m = try model("""
            apiVersion: projectcalico.org/v3
            kind: Tier
            metadata: {name: security}
            spec: {order: 100}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: security.pass-y}
            spec:
              tier: security
              order: 10
              selector: projectcalico.org/namespace == 'x'
              ingress:
                - action: Pass
                  source: {namespaceSelector: ns == 'y'}
                - action: Allow
                  source: {namespaceSelector: ns == 'x'}
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: default.allow-y-b, namespace: x}
            spec:
              selector: all()
              ingress:
                - action: Allow
                  source: {namespaceSelector: ns == 'y', selector: pod == 'b'}
            """)
        #expect(m.outcome("x/b", "x/a") == .allowed, "allowed in the security tier")
        #expect(m.outcome("y/b", "x/a") == .allowed, "passed to the default tier, which allows y/b")
        #expect(m.outcome("y/c", "x/a") == .denied, "passed, then the default tier ends in deny")
        #expect(m.verdict("y/c", "x/a")?.rule.detail == "end of tier default: no ingress rule matched")
        #expect(m.outcome("z/a", "x/a") == .denied, "no rule of the security tier matched: end of tier deny")
        #expect(m.verdict("z/a", "x/a")?.rule.object == "GlobalNetworkPolicy security.pass-y")
    }

    @Test("tiered-policy: a tier with defaultAction Pass hands unmatched traffic to the next tier")
    func tierDefaultPass() throws {
        let m = try model("""
            apiVersion: projectcalico.org/v3
            kind: Tier
            metadata: {name: platform}
            spec: {order: 50, defaultAction: Pass}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: platform.deny-z}
            spec:
              tier: platform
              selector: all()
              ingress:
                - action: Deny
                  source: {namespaceSelector: ns == 'z'}
            """)
        #expect(m.blocked() == pairs(from: ["z/a", "z/b", "z/c"], to: allPods))
    }

    @Test("reference: types default to Egress when only egress rules exist; ports, ranges and named ports")
    func egressAndPorts() throws {
        let m = try model("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: egress, namespace: x}
            spec:
              selector: pod == 'a'
              egress:
                - action: Allow
                  protocol: TCP
                  destination: {namespaceSelector: all(), ports: ["79:80", serve-81-tcp]}
            """)
        #expect(m.blocked(80).isEmpty && m.blocked(81).isEmpty)
        #expect(m.blocked(80, "UDP") == pairs(from: ["x/a"], to: allPods))
        #expect(m.blocked(80).isEmpty, "ingress is not isolated")
    }

    @Test("reference: serviceAccounts names match; a serviceAccountSelector without the account's labels is unknown")
    func serviceAccounts() throws {
        let m = try model("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: by-account, namespace: x}
            spec:
              selector: pod == 'a'
              ingress:
                - action: Allow
                  source: {serviceAccounts: {names: [b]}}
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: by-account-labels, namespace: x}
            spec:
              selector: pod == 'c'
              ingress:
                - action: Allow
                  source: {serviceAccounts: {selector: team == 'web'}}
            """)
        #expect(m.outcome("x/b", "x/a") == .allowed)
        #expect(m.outcome("y/b", "x/a") == .denied, "namespaced: accounts of the policy's namespace")
        #expect(m.outcome("x/a", "x/c") == .unknown)
    }

    @Test("reference: http matches are not modelled: unknown, never guessed")
    func httpIsUnknown() throws {
        let m = try model("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: http, namespace: x}
            spec:
              selector: pod == 'a'
              ingress:
                - action: Allow
                  http: {methods: [GET]}
            """)
        #expect(m.outcome("y/a", "x/a") == .unknown)
        #expect(m.verdict("y/a", "x/a")?.rule.detail.contains("HTTP attributes") == true)
    }

    @Test("a selector syntax error names file, line, field and column")
    func selectorError() throws {
        let objects = try policies("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: broken}
            spec:
              selector: app == 'web' && (tier == 'db'
            """, file: "calico/broken.yaml")
        let m = ReachabilityModel(workloads: xyzCluster(), policies: objects)
        #expect(m.problems.map(\.description) == [
            "calico/broken.yaml:5: GlobalNetworkPolicy broken: spec.selector: invalid selector \"app == 'web' && (tier == 'db'\" at column 30: expected ) to close the parenthesis",
        ])
        #expect(m.outcome("y/a", "x/a") == .unknown)
    }
}

@Suite("Calico selector language")
struct CalicoSelectorTests {
    let labels = ["app": "web", "tier": "frontend", "env": "prod-eu"]

    @Test("operators", arguments: [
        ("", true), ("all()", true), ("global()", false),
        ("app == 'web'", true), ("app != 'web'", false), ("missing != 'x'", true),
        ("has(app)", true), ("!has(app)", false), ("!has(missing)", true),
        ("app in {'web', 'api'}", true), ("app not in {'web'}", false), ("missing not in {'a'}", true),
        ("env contains 'eu'", true), ("env starts with 'prod'", true), ("env ends with 'us'", false),
        ("app == 'api' || tier == 'frontend'", true), ("app == 'web' && tier == 'db'", false),
        ("app == 'api' || app == 'web' && tier == 'db'", false), ("(app == 'api' || app == 'web') && tier == 'frontend'", true),
        ("!(app == 'web')", false), ("has(app) && !has(missing) && app in {\"web\"}", true),
    ])
    func operators(selector: String, expected: Bool) throws {
        #expect(try CalicoSelector.parse(selector).matches(labels) == expected, "\(selector)")
    }

    @Test("errors name the column", arguments: [
        ("app ==", "at column 7: expected a quoted value"),
        ("app = 'web'", "at column 5: expected ==, !=, in, not in, contains, starts with or ends with after app"),
        ("app == 'web' &&", "at column 16: expected a label name, all(), has() or ( but the selector ends"),
        ("app in {'a' 'b'}", "at column 13: expected , or } in the set of values"),
        ("has(app", "at column 8: expected ) after has(app"),
        ("app == 'web' x", "at column 14: expected && or || or the end"),
        ("app == 'unterminated", "unterminated quoted value"),
    ])
    func errors(selector: String, message: String) {
        do {
            _ = try CalicoSelector.parse(selector)
            Issue.record("\(selector) parsed")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("deep nesting is an error, not a crash")
    func deepNesting() {
        #expect(throws: CalicoSelector.ParseError.self) { try CalicoSelector.parse(String(repeating: "(", count: 10_000)) }
        #expect(throws: CalicoSelector.ParseError.self) { try CalicoSelector.parse(String(repeating: "!", count: 10_000) + "all()") }
    }
}
