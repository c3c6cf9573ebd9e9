import Executors
import Foundation
import HTTP
import Testing
@testable import Kube

@Suite struct DiscoveryTests {
    static let aggregatedType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    static let coreAggregated = """
    {"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[{"metadata":{},"versions":[{"version":"v1","resources":[
      {"resource":"namespaces","responseKind":{"group":"","version":"","kind":"Namespace"},"scope":"Cluster","verbs":["get","list"]},
      {"resource":"configmaps","responseKind":{"group":"","version":"","kind":"ConfigMap"},"scope":"Namespaced","verbs":["get","list"],
       "subresources":[{"subresource":"status","responseKind":{"kind":"ConfigMap"},"verbs":["get"]}]}]}]}]}
    """
    static let apisAggregated = """
    {"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
     {"metadata":{"name":"networking.istio.io"},"versions":[
       {"version":"v1","resources":[{"resource":"virtualservices","responseKind":{"group":"","version":"","kind":"VirtualService"},"scope":"Namespaced","verbs":["get"]}]},
       {"version":"v1alpha3","resources":[{"resource":"virtualservices","responseKind":{"group":"","version":"","kind":"VirtualService"},"scope":"Namespaced","verbs":["get"]},
                                          {"resource":"envoyfilters","responseKind":{"group":"","version":"","kind":"EnvoyFilter"},"scope":"Namespaced","verbs":["get"]}]}]}]}
    """

    /// A fake server: answers per path, records requests.
    final class FakeServer: Sendable {
        let log = Locked<[String]>([])
        let routes: Locked<[String: (Int, String, String)]>

        init(_ routes: [String: (Int, String, String)]) {
            self.routes = Locked(routes)
        }

        var fetch: Discovery.Fetch {
            { path, accept, passthrough in
                self.log.withLock { $0.append(path + (accept.contains("apidiscovery") ? " (aggregated)" : "")) }
                let route = self.routes.withLock { $0[path] } ?? (404, "text/plain", "404 page not found")
                let response = HTTPResponse(status: route.0, headers: [("Content-Type", route.1)], body: Array(route.2.utf8))
                if (200..<300).contains(route.0) || passthrough.contains(route.0) { return response }
                throw KubeError.from(status: route.0, body: response.body, verb: "discover", object: path)
            }
        }
    }

    @Test func aggregatedDiscoveryFindsPreferredAndExplicitVersions() async throws {
        let server = FakeServer(["/api": (200, Self.aggregatedType, Self.coreAggregated), "/apis": (200, Self.aggregatedType, Self.apisAggregated)])
        let discovery = Discovery(fetch: server.fetch)
        let vs = try await discovery.resource(group: "networking.istio.io", kind: "VirtualService", version: nil)
        #expect(vs == APIResource(group: "networking.istio.io", version: "v1", kind: "VirtualService", name: "virtualservices", namespaced: true, verbs: ["get"]))
        let old = try await discovery.resource(group: "networking.istio.io", kind: "VirtualService", version: "v1alpha3")
        #expect(old.version == "v1alpha3")
        // A kind only in a non-preferred version is still found.
        #expect(try await discovery.resource(group: "networking.istio.io", kind: "EnvoyFilter", version: nil).version == "v1alpha3")
        let ns = try await discovery.resource(group: "", kind: "Namespace", version: nil)
        #expect(!ns.namespaced && ns.name == "namespaces")
        #expect(try await discovery.resource(group: "", kind: "ConfigMap", version: "v1").namespaced)
        #expect(await discovery.mode == .aggregated)
        #expect(server.log.current == ["/api (aggregated)", "/apis (aggregated)"])
    }

    @Test func concurrentLookupsShareOneLoad() async throws {
        // The CLI starts discovery while it reads the repository, and the plan's lookups arrive
        // while that load is still running: they must wait for it, not load again.
        let server = FakeServer(["/api": (200, Self.aggregatedType, Self.coreAggregated), "/apis": (200, Self.aggregatedType, Self.apisAggregated)])
        let discovery = Discovery(fetch: { path, accept, passthrough in
            try await Task.sleep(for: .milliseconds(50))
            return try await server.fetch(path, accept, passthrough)
        })
        let kinds: [(String, String)] = [("", "Namespace"), ("networking.istio.io", "VirtualService"), ("", "ConfigMap"), ("networking.istio.io", "EnvoyFilter")]
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for (apiGroup, kind) in kinds { group.addTask { try await discovery.resource(group: apiGroup, kind: kind, version: nil).name } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(names == ["namespaces", "virtualservices", "configmaps", "envoyfilters"])
        #expect(server.log.current == ["/api (aggregated)", "/apis (aggregated)"])
        #expect(await discovery.loads == 1)
    }

    @Test func missingKindRefreshesOnceThenFails() async throws {
        let server = FakeServer(["/api": (200, Self.aggregatedType, Self.coreAggregated), "/apis": (200, Self.aggregatedType, Self.apisAggregated)])
        let discovery = Discovery(fetch: server.fetch)
        _ = try await discovery.resource(group: "", kind: "Namespace", version: nil)
        await #expect { _ = try await discovery.resource(group: "projectcalico.org", kind: "NetworkPolicy", version: nil) } throws: { error in
            guard let error = error as? KubeError else { return false }
            return error.isNotFound && error.description.contains("NetworkPolicy") && error.description.contains("projectcalico.org")
        }
        #expect(server.log.current.count == 4)
        // A CRD installed since: the refresh on a miss finds it.
        let withCalico = Self.apisAggregated.replacingOccurrences(of: #"{"metadata":{"name":"networking.istio.io"}"#, with: """
        {"metadata":{"name":"projectcalico.org"},"versions":[{"version":"v3","resources":[{"resource":"networkpolicies","responseKind":{"kind":"NetworkPolicy"},"scope":"Namespaced","verbs":["get"]}]}]},{"metadata":{"name":"networking.istio.io"}
        """)
        server.routes.withLock { $0["/apis"] = (200, Self.aggregatedType, withCalico) }
        #expect(try await discovery.resource(group: "projectcalico.org", kind: "NetworkPolicy", version: nil).name == "networkpolicies")
        #expect(await discovery.loads == 3)
    }

    @Test func fallsBackToLegacyOn406AndFetchesGroupVersionsLazily() async throws {
        let notAcceptable = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"only the following media types are accepted","reason":"NotAcceptable","code":406}"#
        let server = FakeServer([
            "/api": (406, "application/json", notAcceptable),
            "/apis": (406, "application/json", notAcceptable),
        ])
        // Legacy answers once the Accept is plain JSON: a second table keyed by path.
        let legacy: [String: (Int, String, String)] = [
            "/api": (200, "application/json", #"{"kind":"APIVersions","versions":["v1"]}"#),
            "/apis": (200, "application/json", #"{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"networking.istio.io","versions":[{"groupVersion":"networking.istio.io/v1alpha3","version":"v1alpha3"},{"groupVersion":"networking.istio.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"networking.istio.io/v1","version":"v1"}}]}"#),
            "/apis/networking.istio.io/v1": (200, "application/json", #"{"kind":"APIResourceList","groupVersion":"networking.istio.io/v1","resources":[{"name":"virtualservices","singularName":"virtualservice","namespaced":true,"kind":"VirtualService","verbs":["get"]},{"name":"virtualservices/status","singularName":"","namespaced":true,"kind":"VirtualService","verbs":["get"]}]}"#),
        ]
        let log = Locked<[String]>([])
        let discovery = Discovery { path, accept, passthrough in
            let aggregated = accept.contains("apidiscovery")
            log.withLock { $0.append(path + (aggregated ? " (aggregated)" : "")) }
            if aggregated { return try await server.fetch(path, accept, passthrough) }
            let route = legacy[path] ?? (404, "text/plain", "404 page not found")
            guard route.0 == 200 else { throw KubeError.from(status: route.0, body: Array(route.2.utf8), verb: "discover", object: path) }
            return HTTPResponse(status: 200, headers: [("Content-Type", route.1)], body: Array(route.2.utf8))
        }
        let vs = try await discovery.resource(group: "networking.istio.io", kind: "VirtualService", version: nil)
        #expect(vs.version == "v1" && vs.name == "virtualservices" && vs.namespaced)
        #expect(await discovery.mode == .legacy)
        #expect(log.current == ["/api (aggregated)", "/apis (aggregated)", "/api", "/apis", "/apis/networking.istio.io/v1"])
    }

    @Test(.enabled(if: Transcripts.available, "shared/k8s-transcripts not present"))
    func recordedDiscoveryDocumentsParse() throws {
        let apis = try Transcripts.response("003-discovery-apis-aggregated.http")
        #expect(Discovery.isAggregated(HTTPResponse(status: apis.status, headers: apis.headers, body: apis.body)))
        let groups = try Discovery.parseAggregated(apis.body, path: "/apis")
        let istio = try #require(groups.first { $0.0 == "networking.istio.io" })
        #expect(istio.1.versions.first == "v1")
        let v1 = try #require(istio.2.first { $0.0 == "v1" }?.1)
        #expect(v1.contains(APIResource(group: "networking.istio.io", version: "v1", kind: "VirtualService", name: "virtualservices", namespaced: true,
                                        verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"])))
        let calico = try #require(groups.first { $0.0 == "projectcalico.org" })
        #expect(calico.2.first?.1.contains { $0.kind == "GlobalNetworkPolicy" && !$0.namespaced } == true)
        let core = try Discovery.parseAggregated(try Transcripts.response("004-discovery-api-aggregated.http").body, path: "/api")
        #expect(core.first?.0 == "")
        #expect(core.first?.2.first?.1.contains { $0.kind == "Namespace" && !$0.namespaced } == true)
        let list = try Discovery.parseGroupList(try Transcripts.response("002-discovery-apis.http").body)
        #expect(list.first { $0.0 == "networking.istio.io" }?.1.versions.first == "v1")
        let resources = try Discovery.parseResourceList(try Transcripts.response("005-discovery-istio-networking-v1.http").body,
                                                        group: "networking.istio.io", version: "v1", path: "/apis/networking.istio.io/v1")
        #expect(resources.contains { $0.kind == "Gateway" && $0.name == "gateways" })
        #expect(!resources.contains { $0.name.contains("/") })
    }
}
