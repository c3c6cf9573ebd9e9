import ReconcileReachability
import Testing

/// Truth tables re-expressing Kubernetes' network-policy e2e cases
/// (kubernetes/kubernetes test/e2e/network/netpol/network_policy.go, "NetworkPolicy between
/// server and client") and cyclonus' generated cases, on the same x/y/z × a/b/c cluster. Each
/// test names the upstream case; the expectation is the set of pairs that are denied.
@Suite("Kubernetes NetworkPolicy truth tables")
struct KubeNetworkPolicyTests {
    @Test("no policy: everything is allowed")
    func noPolicy() throws {
        let m = try model("")
        #expect(m.blocked().isEmpty)
        #expect(m.verdict("x/a", "y/b")?.rule.isDefault == true)
    }

    @Test("netpol: should support a 'default-deny-ingress' policy")
    func defaultDenyIngress() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-ingress, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """)
        #expect(m.blocked() == pairs(from: allPods, to: ["x/a", "x/b", "x/c"]))
        #expect(m.verdict("y/a", "x/b")?.rule.object == "NetworkPolicy x/deny-ingress")
    }

    @Test("netpol: should support a 'default-deny-all' policy (ingress and egress)")
    func defaultDenyAll() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress, Egress]
            """)
        let x = ["x/a", "x/b", "x/c"]
        #expect(m.blocked() == pairs(from: allPods, to: x).union(pairs(from: x, to: allPods)))
    }

    @Test("netpol: should support allow-all policy")
    func allowAll() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: x}
            spec:
              podSelector: {}
              ingress: [{}]
            """)
        #expect(m.blocked().isEmpty)
        #expect(m.verdict("y/a", "x/a")?.rule.description == "NetworkPolicy x/allow-all: ingress rule 1")
    }

    @Test("netpol: should enforce policy to allow traffic from pods within server namespace based on PodSelector")
    func podSelectorWithinNamespace() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: x-a-allows-x-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - from: [{podSelector: {matchLabels: {pod: b}}}]
            """)
        #expect(m.blocked() == pairs(from: allPods.filter { $0 != "x/b" }, to: ["x/a"]))
    }

    @Test("netpol: should enforce policy based on NamespaceSelector with MatchExpressions")
    func namespaceSelectorMatchExpressions() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - from:
                    - namespaceSelector:
                        matchExpressions: [{key: ns, operator: In, values: ["y"]}]
            """)
        #expect(m.blocked() == pairs(from: ["x/b", "x/c", "z/a", "z/b", "z/c"], to: ["x/a"]))
    }

    @Test("netpol: should enforce policy based on PodSelector or NamespaceSelector")
    func podOrNamespace() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: or, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - from:
                    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: ["x"]}]}
                    - podSelector: {matchLabels: {pod: b}}
            """)
        #expect(m.blocked() == ["x/c→x/a"])
    }

    @Test("netpol: should enforce policy based on PodSelector and NamespaceSelector")
    func podAndNamespace() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: and, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - from:
                    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: ["x"]}]}
                      podSelector: {matchLabels: {pod: b}}
            """)
        #expect(m.blocked() == pairs(from: allPods.filter { $0 != "y/b" && $0 != "z/b" }, to: ["x/a"]))
    }

    @Test("netpol: should enforce policy based on any PodSelectors (Exists, DoesNotExist)")
    func existsAndDoesNotExist() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: exists, namespace: x}
            spec:
              podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
              ingress:
                - from:
                    - namespaceSelector: {}
                      podSelector: {matchExpressions: [{key: missing, operator: DoesNotExist}, {key: pod, operator: In, values: [c]}]}
            """)
        let x = ["x/a", "x/b", "x/c"]
        #expect(m.blocked() == pairs(from: allPods.filter { !$0.hasSuffix("/c") }, to: x))
    }

    @Test("netpol: should enforce policy based on Ports (numeric)")
    func numericPorts() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: port-81, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]
                  ports: [{port: 81, protocol: TCP}]
            """)
        #expect(m.blocked(80) == pairs(from: allPods, to: ["x/a"]))
        #expect(m.blocked(81) == pairs(from: ["x/b", "x/c", "z/a", "z/b", "z/c"], to: ["x/a"]))
    }

    @Test("netpol: should allow ingress access on one named port")
    func namedPort() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: named, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - ports: [{port: serve-81-tcp}]
            """)
        #expect(m.blocked(81).isEmpty)
        #expect(m.blocked(80) == pairs(from: allPods, to: ["x/a"]))
        #expect(m.blocked(81, "UDP") == pairs(from: allPods, to: ["x/a"]), "the name is for TCP")
    }

    @Test("netpol: should allow egress access on one named port")
    func egressNamedPort() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-named, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
                - ports: [{port: serve-80-tcp}]
            """)
        #expect(m.blocked(80).isEmpty)
        #expect(m.blocked(81) == pairs(from: ["x/a"], to: allPods))
    }

    @Test("netpol (KEP-2079): port with endPort admits the range")
    func endPort() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: range, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - ports: [{port: 79, endPort: 80}]
            """)
        #expect(m.blocked(80).isEmpty)
        #expect(m.blocked(81) == pairs(from: allPods, to: ["x/a"]))
    }

    @Test("netpol: should enforce ingress policy allowing any port traffic to a server on a specific protocol")
    func protocolOnly() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: tcp-only, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - ports: [{protocol: TCP}]
            """)
        #expect(m.blocked(80).isEmpty && m.blocked(81).isEmpty)
        #expect(m.blocked(80, "UDP") == pairs(from: allPods, to: ["x/a"]))
    }

    @Test("netpol: should not allow access by TCP when a policy specifies only UDP")
    func udpOnly() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: udp, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - ports: [{protocol: UDP, port: 81}]
            """)
        #expect(m.blocked(81, "TCP") == pairs(from: allPods, to: ["x/a"]))
        #expect(m.blocked(81, "UDP").isEmpty)
    }

    @Test("netpol: should enforce multiple, stacked policies with overlapping podSelectors")
    func stackedPolicies() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-z, namespace: x}
            spec:
              podSelector: {}
              ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}]}]
            """)
        // x/a: union of both (y and z); x/b and x/c: only z.
        #expect(m.blocked() == pairs(from: ["x/b", "x/c"], to: ["x/a"])
            .union(pairs(from: ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c"], to: ["x/b", "x/c"])))
    }

    @Test("netpol: should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)")
    func egressDenyWinsOverIngressAllow() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-egress, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all-ingress, namespace: z}
            spec:
              podSelector: {}
              ingress: [{}]
            """)
        #expect(m.blocked() == pairs(from: ["x/a"], to: allPods))
        #expect(m.verdict("x/a", "z/b")?.rule.object == "NetworkPolicy x/deny-egress")
    }

    @Test("netpol: should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector")
    func ingressAndEgressIndependent() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-to-b-only, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              egress:
                - to: [{podSelector: {matchLabels: {pod: b}}}]
            """)
        // No policyTypes and egress rules: both Ingress and Egress, so x/a is isolated for
        // ingress too (cyclonus: "policyTypes defaulting").
        let egress = pairs(from: ["x/a"], to: allPods.filter { $0 != "x/b" })
        let ingress = pairs(from: allPods, to: ["x/a"])
        #expect(m.blocked() == egress.union(ingress))
    }

    @Test("netpol: should enforce except clause while egress access to server in CIDR block")
    func ipBlockExcept() throws {
        let workloads = xyzCluster(withIPs: true)
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: cidr, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
                - to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.2/32]}}]
            """, workloads)
        #expect(m.blocked() == ["x/a→y/b"])
    }

    @Test("netpol: should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (by another peer)")
    func ipBlockOverlap() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: cidr, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
                - to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24]}}]
                - to: [{ipBlock: {cidr: 10.0.2.2/32}}]
            """, xyzCluster(withIPs: true))
        #expect(m.blocked() == ["x/a→y/a", "x/a→y/c"])
    }

    @Test("ipBlock without pod IPs is unknown, not guessed")
    func ipBlockWithoutIPs() throws {
        let m = try model("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: cidr, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
                - from: [{ipBlock: {cidr: 10.0.0.0/8}}]
            """)
        #expect(m.outcome("y/b", "x/a") == .unknown)
        #expect(m.verdict("y/b", "x/a")?.rule.detail.contains("pod IPs of Deployment y/b are not known") == true)
        #expect(m.outcome("y/b", "x/b") == .allowed)
    }

    @Test("an unreadable policy is a problem naming file, line and field, and its pairs are unknown")
    func badPolicy() throws {
        let objects = try policies("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: bad, namespace: x}
            spec:
              podSelector:
                matchExpressions:
                  - {key: pod, operator: Equals, values: [a]}
            """, file: "net/bad.yaml")
        let m = ReachabilityModel(workloads: xyzCluster(), policies: objects)
        #expect(m.problems.map(\.description) == [
            "net/bad.yaml:7: NetworkPolicy x/bad: spec.podSelector.matchExpressions[0].operator: unknown operator \"Equals\" (expected In, NotIn, Exists or DoesNotExist)",
        ])
        #expect(m.outcome("y/a", "x/a") == .unknown)
        #expect(m.outcome("x/a", "y/b") == .unknown, "it may select x/a for egress: never guessed")
        #expect(m.outcome("y/a", "y/b") == .allowed, "a namespaced policy selects only in its namespace")
    }
}
