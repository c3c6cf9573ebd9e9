import Foundation
import KubeTestServer
import Testing
import YAML
@testable import Kube

/// Retries and discovery fallback need fault injection: test server only.
@Suite(.serialized, .disabled(if: Harness.onRealCluster, "fault injection needs the test server"))
struct RetryAndDiscoveryTests {
    @Test func serviceUnavailableTwiceThenSuccess() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let server = try #require(h.server)
        _ = try await h.client.apply(h.virtualService("web"), fieldManager: "reconcile")
        server.clearRequests()
        h.sleeps.withLock { $0 = [] }
        server.inject(Fault(method: "GET", pathContains: "/virtualservices/web", times: 2, action: .status(503)))
        let object = try await h.client.get(h.ref("web"))
        #expect(object?.name == "web")
        #expect(h.requests("GET", "/virtualservices/web").map(\.status) == [503, 503, 200])
        #expect(h.sleeps.current.count == 2)
        // apply (PATCH) is retried on 5xx too
        server.inject(Fault(method: "PATCH", pathContains: "/virtualservices/web", times: 1, action: .status(500)))
        _ = try await h.client.apply(h.virtualService("web", timeout: "6s"), fieldManager: "reconcile")
        #expect(h.requests("PATCH", "/virtualservices/web").map(\.status) == [500, 200])
    }

    @Test func tooManyRequestsHonoursRetryAfter() async throws {
        let h = try await Harness(realSleep: true)
        defer { Task { await h.tearDown() } }
        let server = try #require(h.server)
        h.sleeps.withLock { $0 = [] }
        server.inject(Fault(method: "GET", pathContains: "/namespaces/default", times: 1, action: .status(429, retryAfter: 1)))
        let start = Date()
        _ = try await h.client.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "default"))
        #expect(Date().timeIntervalSince(start) >= 0.95)
        #expect(h.sleeps.current == [1])
        #expect(h.requests("GET", "/namespaces/default").map(\.status) == [429, 200])
    }

    @Test func badRequestIsNotRetried() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let server = try #require(h.server)
        server.inject(Fault(method: "GET", pathContains: "/namespaces/default", times: 3, action: .status(400)))
        await #expect { _ = try await h.client.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "default")) }
            throws: { error in
                guard let error = error as? KubeError else { return false }
                return error.code == 400 && "\(error)".contains("get Namespace default: 400")
            }
        #expect(h.requests("GET", "/namespaces/default").count == 1)
        // POST create is not retried on 503 (it may have been processed).
        server.inject(Fault(method: "POST", pathContains: "/configmaps", times: 3, action: .status(503)))
        await #expect(throws: KubeError.self) {
            _ = try await h.client.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x", "namespace": .string(h.namespace)]])
        }
        #expect(h.requests("POST", "/configmaps").count == 1)
    }

    @Test func retryBoundIsRespected() async throws {
        var options = KubeClient.Options()
        options.maxRetries = 2
        let h = try await Harness(options: options)
        defer { Task { await h.tearDown() } }
        let server = try #require(h.server)
        server.inject(Fault(method: "GET", pathContains: "/namespaces/default", times: 10, action: .status(503)))
        await #expect { _ = try await h.client.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "default")) }
            throws: { ($0 as? KubeError)?.code == 503 }
        #expect(h.requests("GET", "/namespaces/default").count == 3)
        // A dropped connection is a transient error: retried.
        server.inject(Fault(method: "GET", pathContains: "/namespaces/kube-system", times: 1, action: .closeConnection))
        #expect(try await h.client.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "kube-system")) != nil)
    }

    @Test func discoveryFallsBackToLegacyOn406() async throws {
        let h = try await Harness { server, _ in
            server.inject(Fault(method: "GET", pathContains: "/api", times: 1, action: .status(406)))
        }
        defer { Task { await h.tearDown() } }
        let resource = try await h.client.resource(group: "networking.istio.io", kind: "VirtualService")
        #expect(resource.version == "v1")
        #expect(await h.client.discoveryCache.mode == .legacy)
        let paths = h.server?.requests.filter { $0.method == "GET" }.map(\.path) ?? []
        #expect(paths.prefix(4) == ["/api", "/apis", "/api", "/apis"])
        #expect(paths.contains("/apis/networking.istio.io/v1"))
        #expect(paths.contains("/api/v1"))
    }

    @Test func aggregatedDiscoveryIsUsedAndCached() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        _ = try await h.client.resource(group: "projectcalico.org", kind: "GlobalNetworkPolicy")
        _ = try await h.client.resource(group: "networking.k8s.io", kind: "NetworkPolicy")
        #expect(await h.client.discoveryCache.mode == .aggregated)
        let discovery = h.server?.requests.filter { $0.path == "/api" || $0.path == "/apis" || $0.path.hasPrefix("/apis/") && $0.path.split(separator: "/").count == 3 } ?? []
        #expect(discovery.count == 2)
        let calico = try await h.client.resource(group: "projectcalico.org", kind: "GlobalNetworkPolicy")
        #expect(!calico.namespaced && calico.version == "v3")
    }
}
