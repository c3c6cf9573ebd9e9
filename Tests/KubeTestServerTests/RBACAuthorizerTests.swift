import Foundation
import HTTP
import KubeTestServer
import ReconcileTestSupport
import Testing
import YAML

/// The test API server's optional RBAC: requests map to Kubernetes' authorization attributes,
/// rules match as `rbac/v1` does, and a denial is the Status kube-apiserver sends (transcript 106).
@Suite(.onTestThreads)
struct RBACAuthorizerTests {
    typealias Rule = RBACAuthorizer.Rule

    static let user = "system:serviceaccount:transcripts:drift-reader"

    static func attributes(_ method: String, _ target: String) -> RBACAuthorizer.Attributes {
        guard let mark = target.firstIndex(of: "?") else {
            return RBACAuthorizer.attributes(method: method, path: target, query: [:], user: user)
        }
        var query: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            query[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return RBACAuthorizer.attributes(method: method, path: String(target[..<mark]), query: query, user: user)
    }

    @Test(arguments: [
        ("GET", "/apis/apps/v1/namespaces/shop/deployments", "list apps/deployments in shop"),
        ("GET", "/apis/apps/v1/namespaces/shop/deployments?watch=true", "watch apps/deployments in shop"),
        ("GET", "/apis/apps/v1/watch/namespaces/shop/deployments", "watch apps/deployments in shop"),
        ("GET", "/apis/apps/v1/namespaces/shop/deployments/web", "get apps/deployments \"web\" in shop"),
        ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", "patch apps/deployments \"web\" in shop"),
        ("PUT", "/apis/apps/v1/namespaces/shop/deployments/web/status", "update apps/deployments/status \"web\" in shop"),
        ("POST", "/api/v1/namespaces/shop/configmaps", "create core/configmaps in shop"),
        ("DELETE", "/api/v1/namespaces/shop/configmaps", "deletecollection core/configmaps in shop"),
        ("DELETE", "/api/v1/namespaces/shop/configmaps/x", "delete core/configmaps \"x\" in shop"),
        ("GET", "/api/v1/namespaces", "list core/namespaces (cluster scope)"),
        // The namespace of a Namespace request is its name, as kube-apiserver's RequestInfo has it.
        ("PATCH", "/api/v1/namespaces/shop", "patch core/namespaces \"shop\" in shop"),
        ("PUT", "/api/v1/namespaces/shop/finalize", "update core/namespaces/finalize \"shop\" in shop"),
        ("GET", "/apis/projectcalico.org/v3/globalnetworkpolicies?fieldSelector=metadata.name=default.x", "list projectcalico.org/globalnetworkpolicies \"default.x\" (cluster scope)"),
        ("GET", "/api", "get /api"),
        ("GET", "/api/v1", "get /api/v1"),
        ("GET", "/apis/networking.istio.io/v1", "get /apis/networking.istio.io/v1"),
        ("GET", "/version", "get /version"),
    ])
    func requestAttributes(method: String, target: String, expected: String) {
        #expect(Self.attributes(method, target).description == expected)
    }

    static let authorizer = RBACAuthorizer(bindings: [user: [
        .init(rules: [
            Rule(apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "patch"]),
            Rule(apiGroups: [""], resources: ["namespaces"], verbs: ["get", "patch"]),
            Rule(apiGroups: ["projectcalico.org"], resources: ["*/status"], verbs: ["get"]),
        ], namespace: nil),
        .init(rules: [
            Rule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update"], resourceNames: ["reconcile"]),
            Rule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"]),
        ], namespace: "reconcile-system"),
    ]])

    @Test(arguments: [
        ("GET", "/apis/apps/v1/namespaces/shop/deployments", true),
        ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", true),
        ("GET", "/apis/apps/v1/namespaces/shop/deployments?watch=1", false),
        ("PUT", "/apis/apps/v1/namespaces/shop/deployments/web", false),
        ("DELETE", "/apis/apps/v1/namespaces/shop/deployments/web", false),
        // A resource's rule does not cover its subresources; `*/status` covers every status.
        ("GET", "/apis/apps/v1/namespaces/shop/deployments/web/status", false),
        ("GET", "/apis/projectcalico.org/v3/tiers/default/status", true),
        ("PATCH", "/api/v1/namespaces/shop", true),
        ("DELETE", "/api/v1/namespaces/shop", false),
        // Role rules hold in the Role's namespace only, for the named object only (but create).
        ("PUT", "/apis/coordination.k8s.io/v1/namespaces/reconcile-system/leases/reconcile", true),
        ("PUT", "/apis/coordination.k8s.io/v1/namespaces/reconcile-system/leases/other", false),
        ("GET", "/apis/coordination.k8s.io/v1/namespaces/shop/leases/reconcile", false),
        ("POST", "/apis/coordination.k8s.io/v1/namespaces/reconcile-system/leases", true),
        ("GET", "/apis/coordination.k8s.io/v1/namespaces/reconcile-system/leases", false),
        // Discovery is open to everyone (system:discovery); other non-resource URLs are not.
        ("GET", "/apis", true),
        ("GET", "/apis/apps/v1", true),
        ("GET", "/openapi/v3", true),
        ("GET", "/metrics", false),
        ("POST", "/apis", false),
    ])
    func ruleMatching(method: String, target: String, allowed: Bool) {
        #expect(Self.authorizer.allows(Self.attributes(method, target)) == allowed, "\(Self.attributes(method, target))")
    }

    @Test func usersWithoutBindingsAreUnrestricted() {
        var attributes = Self.attributes("DELETE", "/api/v1/namespaces/kube-system")
        attributes.user = "admin"
        #expect(!Self.authorizer.governs("admin") && Self.authorizer.allows(attributes))
    }

    @Test func rulesReadFromYAML() throws {
        let document = try #require(try YAMLParser.parse("""
            kind: ClusterRole
            rules:
              - apiGroups: [""]
                resources: [configmaps]
                resourceNames: [status]
                verbs: [patch]
              - nonResourceURLs: [/metrics]
                verbs: [get]

            """, file: "role.yaml").first).root
        let binding = RBACAuthorizer.Binding(role: document, namespace: "ns")
        #expect(binding.rules == [Rule(apiGroups: [""], resources: ["configmaps"], verbs: ["patch"], resourceNames: ["status"])])
        #expect(binding.namespace == "ns")
    }

    // MARK: - Over HTTP

    final class Served: @unchecked Sendable {
        let server: TestAPIServer
        let client: HTTPClient

        init() throws {
            var options = TestAPIServer.Options()
            options.tokens["sa-token"] = RBACAuthorizerTests.user
            options.authorizer = RBACAuthorizerTests.authorizer
            server = try TestAPIServer(options: options)
            try server.start()
            var configuration = HTTPClient.Configuration()
            configuration.tls = TLSConfiguration(caPEM: Array(server.caPEM.utf8))
            configuration.http2 = false
            client = HTTPClient(configuration: configuration)
            _ = try server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "transcripts"]])
            _ = try server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "reconcile-system"]])
        }

        deinit { server.stop() }

        func send(_ method: String, _ target: String, token: String = "sa-token", contentType: String? = nil, body: Node? = nil) throws -> HTTPResponse {
            var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
            if let contentType { headers.append(("Content-Type", contentType)) }
            return try client.send(HTTPRequest(method: method, url: server.url + target, headers: headers, body: body.map { Array($0.jsonString().utf8) }))
        }
    }

    /// Transcript 106 word for word: a ServiceAccount without RBAC lists VirtualServices.
    @Test func forbiddenStatusMatchesTheTranscript() throws {
        let served = try Served()
        let transcript = try Transcript.load("106")
        let response = try served.send(transcript.method, transcript.target)
        #expect(response.status == 403)
        let expected = try #require(transcript.responseJSON)
        #expect((try? Node(json: response.body)).map(Transcript.normalize) == Transcript.normalize(expected), "\(response.bodyText)")
    }

    @Test func namedAndClusterScopedDenials() throws {
        let served = try Served()
        let put = try served.send("PUT", "/apis/apps/v1/namespaces/transcripts/deployments/x", contentType: "application/json",
                                  body: ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "x"]])
        #expect(put.status == 403)
        let status = try Node(json: put.body)
        #expect(status["message"]?.string == "deployments.apps \"x\" is forbidden: User \"\(Self.user)\" cannot update resource \"deployments\" in API group \"apps\" in the namespace \"transcripts\"")
        #expect(status[path: ["details", "name"]]?.string == "x" && status[path: ["details", "kind"]]?.string == "deployments")
        let list = try served.send("GET", "/api/v1/nodes")
        let message = try Node(json: list.body)["message"]?.string
        #expect(message == "nodes is forbidden: User \"\(Self.user)\" cannot list resource \"nodes\" in API group \"\" at the cluster scope")
        // Discovery answers; the admin token is not checked at all.
        #expect(try served.send("GET", "/apis").status == 200)
        #expect(try served.send("GET", "/api/v1/namespaces", token: "test-token").status == 200)
    }

    /// An apply that would create the object needs `create` besides `patch`, and only then.
    @Test func applyThatCreatesNeedsCreate() throws {
        let served = try Served()
        let namespace: Node = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fresh", "labels": ["istio-injection": "enabled"]]]
        let created = try served.send("PATCH", "/api/v1/namespaces/fresh?fieldManager=reconcile", contentType: "application/apply-patch+yaml", body: namespace)
        #expect(created.status == 403)
        #expect(try Node(json: created.body)["message"]?.string == "namespaces \"fresh\" is forbidden: ")
        #expect(served.server.object(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "fresh") == nil)
        // Once it exists, the same apply is a patch.
        _ = try served.server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fresh"]])
        let patched = try served.send("PATCH", "/api/v1/namespaces/fresh?fieldManager=reconcile", contentType: "application/apply-patch+yaml", body: namespace)
        #expect(patched.status == 200, "\(patched.bodyText)")
        #expect(served.server.requests.filter { $0.status == 403 }.count == 1)
    }
}
