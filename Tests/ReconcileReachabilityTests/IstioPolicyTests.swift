import ReconcileReachability
import Testing

/// Truth tables from Istio's documentation examples: the mutual-TLS migration task
/// (istio.io/latest/docs/tasks/security/authentication/mtls-migration/), the authentication
/// policy task (…/authentication/authn-policy/, port-level mTLS), the HTTP traffic
/// authorization task (…/authorization/authz-http/, bookinfo), the deny task
/// (…/authorization/authz-deny/), the TCP task (…/authorization/authz-tcp/), and the
/// AuthorizationPolicy reference (…/reference/config/security/authorization-policy/).
@Suite("Istio PeerAuthentication and AuthorizationPolicy truth tables")
struct IstioPolicyTests {
    /// foo and bar are injected (httpbin = a, sleep = b); legacy is not.
    static let mesh = xyzCluster(injected: ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c"], namespaces: ["x", "y", "legacy"])

    @Test("mtls-migration: STRICT in one namespace refuses the legacy (uninjected) client there only")
    func strictNamespace() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: x}
            spec: {mtls: {mode: STRICT}}
            """, Self.mesh)
        #expect(m.blocked() == pairs(from: ["legacy/a", "legacy/b", "legacy/c"], to: ["x/a", "x/b", "x/c"]))
        let verdict = try #require(m.verdict("legacy/b", "x/a"))
        #expect(verdict.layer == .mesh)
        #expect(verdict.rule.description == "PeerAuthentication x/default: mTLS STRICT: the source has no sidecar, so it sends plain text")
    }

    @Test("mtls-migration: mesh-wide STRICT in the root namespace (istio-system; aks-istio-system on AKS)",
          arguments: ["istio-system", "aks-istio-system"])
    func strictMeshWide(root: String) throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: \(root)}
            spec: {mtls: {mode: STRICT}}
            """, Self.mesh)
        let legacy = ["legacy/a", "legacy/b", "legacy/c"]
        #expect(m.blocked() == pairs(from: legacy, to: allPods.filter { $0.hasPrefix("x/") || $0.hasPrefix("y/") }))
        #expect(m.outcome("x/a", "legacy/b") == .allowed, "a destination without a sidecar enforces nothing")
    }

    @Test("authn-policy: a namespace PERMISSIVE overrides mesh STRICT; workload and port level override the namespace")
    func precedence() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: istio-system}
            spec: {mtls: {mode: STRICT}}
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: "y"}
            spec: {mtls: {mode: PERMISSIVE}}
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: httpbin, namespace: x}
            spec:
              selector: {matchLabels: {pod: a}}
              mtls: {mode: STRICT}
              portLevelMtls:
                80: {mode: DISABLE}
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: inherit, namespace: x}
            spec:
              selector: {matchLabels: {pod: b}}
              mtls: {mode: UNSET}
            """, Self.mesh)
        #expect(m.outcome("legacy/a", "y/a") == .allowed)
        #expect(m.outcome("legacy/a", "x/a", 80) == .allowed, "port 80 DISABLE")
        #expect(m.outcome("legacy/a", "x/a", 81) == .denied, "port 81 falls back to the workload's STRICT")
        #expect(m.verdict("legacy/a", "x/b")?.rule.object == "PeerAuthentication istio-system/default", "UNSET inherits mesh STRICT")
    }

    @Test("authz-http: an ALLOW policy with no rules (allow-nothing) denies every request")
    func allowNothing() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-nothing, namespace: x}
            spec: {}
            """, Self.mesh)
        #expect(m.blocked() == pairs(from: allPods.filter { !$0.hasPrefix("z/") } + ["legacy/a", "legacy/b", "legacy/c"],
                                     to: ["x/a", "x/b", "x/c"]))
        #expect(m.verdict("y/a", "x/a")?.rule.detail == "no ALLOW rule matches this source and port")
    }

    @Test("authz-http: details-viewer allows GET from the productpage service account only")
    func principalAndMethod() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: details-viewer, namespace: x}
            spec:
              selector: {matchLabels: {pod: a}}
              action: ALLOW
              rules:
                - from: [{source: {principals: ["cluster.local/ns/x/sa/b"]}}]
                  to: [{operation: {methods: ["GET"]}}]
            """, Self.mesh)
        let allowed = try #require(m.verdict("x/b", "x/a"))
        #expect(allowed.outcome == .allowed)
        #expect(allowed.conditions == ["method in GET"])
        #expect(m.outcome("x/c", "x/a") == .denied)
        #expect(m.outcome("legacy/b", "x/a") == .denied, "plain text carries no principal")
        #expect(m.outcome("x/c", "x/b") == .allowed, "the policy selects only pod=a")
    }

    @Test("authz-deny: DENY from notNamespaces refuses other namespaces; ALLOW still applies after DENY")
    func denyNotNamespaces() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-others, namespace: x}
            spec:
              action: DENY
              rules: [{from: [{source: {notNamespaces: ["x"]}}]}]
            """, Self.mesh)
        #expect(m.outcome("y/a", "x/a") == .denied)
        #expect(m.outcome("legacy/a", "x/a") == .denied, "no identity: notNamespaces matches")
        #expect(m.outcome("x/b", "x/a") == .allowed)
        #expect(m.verdict("y/a", "x/a")?.rule.description == "AuthorizationPolicy x/deny-others: DENY rule 1")
    }

    @Test("authz-deny: DENY on a method only narrows the pair (conditions), it does not cut it")
    func denyMethod() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-delete, namespace: x}
            spec:
              action: DENY
              rules: [{to: [{operation: {methods: ["DELETE"], paths: ["/admin*"]}}]}]
            """, Self.mesh)
        let verdict = try #require(m.verdict("y/a", "x/a"))
        #expect(verdict.outcome == .allowed)
        #expect(verdict.conditions == ["not (method in DELETE and path in /admin*) [AuthorizationPolicy x/deny-delete]"])
    }

    @Test("authz-tcp: ports in to.operation; HTTP-only fields on a TCP port make an ALLOW rule not match")
    func tcpPorts() throws {
        var workloads = Self.mesh
        for i in workloads.indices { workloads[i].ports.append(WorkloadPort(number: 9000, name: "tcp-echo", proto: "TCP")) }
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: tcp-policy, namespace: x}
            spec:
              selector: {matchLabels: {pod: a}}
              action: ALLOW
              rules:
                - to: [{operation: {ports: ["9000"]}}]
                - to: [{operation: {methods: ["GET"], ports: ["80"]}}]
            """, workloads)
        #expect(m.outcome("y/a", "x/a", 9000) == .allowed)
        #expect(m.outcome("y/a", "x/a", 81) == .denied)
        #expect(m.verdict("y/a", "x/a", 80)?.conditions == ["method in GET"])
    }

    @Test("reference: when source.namespace and ipBlocks are evaluated; request.auth claims are unknown")
    func whenConditions() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: when, namespace: x}
            spec:
              selector: {matchLabels: {pod: a}}
              rules:
                - when: [{key: source.namespace, values: ["y"]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: jwt, namespace: x}
            spec:
              selector: {matchLabels: {pod: b}}
              rules:
                - when: [{key: "request.auth.claims[groups]", values: ["admin"]}]
            """, Self.mesh)
        #expect(m.outcome("y/c", "x/a") == .allowed)
        #expect(m.outcome("x/c", "x/a") == .denied)
        #expect(m.outcome("y/c", "x/b") == .unknown)
        #expect(m.verdict("y/c", "x/b")?.rule.detail.contains("cannot be evaluated statically") == true)
    }

    @Test("reference: CUSTOM is unknown (an external authorizer decides); AUDIT decides nothing")
    func customAndAudit() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: ext-authz, namespace: x}
            spec:
              selector: {matchLabels: {pod: a}}
              action: CUSTOM
              provider: {name: opa}
              rules: [{to: [{operation: {paths: ["/headers"]}}]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: audit, namespace: x}
            spec:
              action: AUDIT
              rules: [{}]
            """, Self.mesh)
        #expect(m.outcome("y/a", "x/a") == .unknown)
        #expect(m.outcome("y/a", "x/b") == .allowed)
    }

    @Test("reference: a mesh-wide ALLOW in the root namespace selects workloads of every namespace")
    func meshWideAllow() throws {
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: only-x, namespace: istio-system}
            spec:
              selector: {matchLabels: {pod: c}}
              rules: [{from: [{source: {namespaces: ["x"]}}]}]
            """, Self.mesh)
        #expect(m.outcome("y/a", "y/c") == .denied)
        #expect(m.outcome("x/a", "y/c") == .allowed)
    }

    @Test("ipBlocks use pod IPs when known")
    func ipBlocks() throws {
        let workloads = xyzCluster(injected: ["x/a", "y/a"], withIPs: true)
        let m = try model("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: ip, namespace: x}
            spec:
              selector: {matchLabels: {pod: a}}
              rules: [{from: [{source: {ipBlocks: ["10.0.2.0/24"]}}]}]
            """, workloads)
        #expect(m.outcome("y/b", "x/a") == .allowed)
        #expect(m.outcome("z/b", "x/a") == .denied)
    }

    @Test("a bad mode is a problem with file, line and field")
    func badMode() throws {
        let objects = try policies("""
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: x}
            spec:
              mtls:
                mode: STRICTEST
            """, file: "mesh/pa.yaml")
        let m = ReachabilityModel(workloads: Self.mesh, policies: objects)
        #expect(m.problems.map(\.description) == [
            "mesh/pa.yaml:6: PeerAuthentication x/default: spec.mtls.mode: STRICTEST is not UNSET, DISABLE, PERMISSIVE or STRICT",
        ])
        #expect(m.outcome("legacy/a", "x/a") == .unknown)
        #expect(m.outcome("legacy/a", "y/a") == .allowed)
    }
}
