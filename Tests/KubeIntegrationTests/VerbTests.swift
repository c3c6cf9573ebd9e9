import Foundation
import HTTP
import KubeTestServer
import Testing
import YAML
@testable import Kube

@Suite(.serialized) struct VerbTests {
    @Test func everyVerbRoundTrips() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let client = h.client
        let vsResource = try await client.resource(group: "networking.istio.io", kind: "VirtualService")
        #expect(vsResource.version == "v1" && vsResource.name == "virtualservices" && vsResource.namespaced)

        // apply creates
        let created = try await client.apply(h.virtualService("web"), fieldManager: "reconcile")
        #expect(created.name == "web")
        #expect(created[path: ["spec", "http"]]?.sequence?.first?["timeout"]?.string == "5s")

        // get
        let fetched = try #require(try await client.get(h.ref("web")))
        #expect(fetched.uid == created.uid)
        #expect(try await client.get(h.ref("absent")) == nil)

        // merge patch
        let patched = try await client.mergePatch(h.ref("web"), patch: ["metadata": ["annotations": ["kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"]]],
                                                  fieldManager: "kubectl-rollout")
        #expect(patched[path: ["metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]]?.string == "2026-01-01T00:00:00Z")

        // update with the current resourceVersion succeeds; with a stale one conflicts
        var changed = patched
        changed["spec"]?["hosts"] = ["reviews", "ratings"]
        let updated = try await client.update(changed)
        #expect(updated[path: ["spec", "hosts"]]?.sequence?.count == 2)
        #expect(updated.resourceVersion != patched.resourceVersion)
        await #expect { _ = try await client.update(changed) } throws: { ($0 as? KubeError)?.isConflict == true }
        var noRV = changed
        noRV["metadata"]?["resourceVersion"] = nil
        await #expect { _ = try await client.update(noRV) } throws: { ($0 as? KubeError)?.reason == "MissingResourceVersion" }

        // create (POST) a ConfigMap, then AlreadyExists on a second create
        let cm: Node = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": .string(h.namespace)], "data": ["a": "1"]]
        let createdCM = try await client.create(cm)
        #expect(createdCM[path: ["data", "a"]]?.string == "1")
        await #expect { _ = try await client.create(cm) } throws: { ($0 as? KubeError)?.code == 409 }

        // list
        let list = try await client.list(vsResource, namespace: h.namespace)
        #expect(list.items.map { $0.name } == ["web"])
        #expect(!list.resourceVersion.isEmpty)
        #expect(list.pages == 1)

        // event
        let event: Node = Node.object([
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": ["name": "web.drift1", "namespace": .string(h.namespace)],
            "eventTime": "2026-11-22T07:58:33.123456Z", "action": "Reconcile", "reason": "DriftDetected", "type": "Warning",
            "reportingController": "reconcile.dev/controller", "reportingInstance": "reconcile-0", "note": ".spec.http changed by kubectl-edit",
            "regarding": Node.object(["apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "namespace": .string(h.namespace), "name": "web",
                                      "uid": .string(created.uid ?? "")]),
        ])
        let recorded = try await client.createEvent(event)
        #expect(recorded["reason"]?.string == "DriftDetected")

        // delete, then it is gone
        try await client.delete(h.ref("web"))
        #expect(try await client.get(h.ref("web")) == nil)
        await #expect { try await client.delete(h.ref("web")) } throws: { ($0 as? KubeError)?.isNotFound == true }
        #expect(client.requestCount > 10)
    }

    @Test func paginationFollowsContinueTokens() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        for index in 1...25 {
            let cm: Node = ["apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": ["name": .string(String(format: "page-%02d", index)), "namespace": .string(h.namespace),
                                         "labels": ["parity": .string(index % 2 == 0 ? "even" : "odd")]]]
            if let server = h.server { _ = try server.seed(cm) } else { _ = try await h.client.create(cm) }
        }
        let resource = try await h.client.resource(group: "", kind: "ConfigMap")
        let result = try await h.client.list(resource, namespace: h.namespace, limit: 10)
        let names = result.items.compactMap(\.name).filter { $0.hasPrefix("page-") }
        #expect(names.count == 25)
        #expect(Set(names).count == 25)
        #expect(result.pages == 3)
        #expect(result.items.allSatisfy { $0["kind"]?.string == "ConfigMap" })
        let odd = try await h.client.list(resource, namespace: h.namespace, labelSelector: "parity=odd", limit: 5)
        #expect(odd.items.count == 13)
        #expect(odd.pages == 3)
        let set = try await h.client.list(resource, namespace: h.namespace, labelSelector: "parity in (odd,even),parity!=even")
        #expect(set.items.count == 13)
        if let server = h.server {
            let lists = server.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/namespaces/\(h.namespace)/configmaps") }
            #expect(lists.count == 7)
            #expect(lists[1].query["continue"] != nil && lists[0].query["limit"] == "10")
        }
    }

    @Test func serverSideApplySemantics() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let client = h.client
        let first = try await client.apply(h.virtualService("reviews"), fieldManager: "reconcile")
        // Identical apply: nothing written.
        let again = try await client.apply(h.virtualService("reviews"), fieldManager: "reconcile")
        #expect(again.resourceVersion == first.resourceVersion)
        // Dry run: the would-be object comes back, nothing is stored.
        let dry = try await client.apply(h.virtualService("reviews", timeout: "9s"), fieldManager: "reconcile", dryRun: true)
        #expect(dry[path: ["spec", "http"]]?.sequence?.first?["timeout"]?.string == "9s")
        let stored = try #require(try await client.get(h.ref("reviews")))
        #expect(stored[path: ["spec", "http"]]?.sequence?.first?["timeout"]?.string == "5s")
        // Another manager changing an owned field conflicts; the error carries the cause.
        await #expect { _ = try await client.apply(h.virtualService("reviews", timeout: "7s"), fieldManager: "kubectl-edit") } throws: { error in
            guard let error = error as? KubeError else { return false }
            let text = error.description
            return error.isConflict && error.causes.contains { $0.field == ".spec.http" && $0.reason == "FieldManagerConflict" }
                && text.hasPrefix("apply VirtualService \(h.namespace)/reviews: 409 Conflict: Apply failed with 1 conflict: conflict with \"reconcile\"")
                && text.contains(".spec.http")
        }
        // With force it takes the field over.
        let forced = try await client.apply(h.virtualService("reviews", timeout: "7s"), fieldManager: "kubectl-edit", force: true)
        #expect(forced[path: ["spec", "http"]]?.sequence?.first?["timeout"]?.string == "7s")
        let managers = (forced[path: ["metadata", "managedFields"]]?.sequence ?? []).compactMap { $0["manager"]?.string }
        #expect(managers.contains("kubectl-edit"))
        // managedFields in the body are dropped before sending (the server refuses them).
        _ = try await client.apply(forced, fieldManager: "kubectl-edit", force: true)
    }

    @Test func deletePreconditions() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let created = try await h.client.apply(h.virtualService("doomed"), fieldManager: "reconcile")
        await #expect { try await h.client.delete(h.ref("doomed"), uid: "00000000-0000-0000-0000-000000000000") } throws: { error in
            guard let error = error as? KubeError else { return false }
            return error.isConflict && error.description.hasPrefix("delete VirtualService \(h.namespace)/doomed: 409")
        }
        await #expect { try await h.client.delete(h.ref("doomed"), resourceVersion: "1") } throws: { ($0 as? KubeError)?.isConflict == true }
        #expect(try await h.client.get(h.ref("doomed")) != nil)
        try await h.client.delete(h.ref("doomed"), propagation: "Foreground", uid: created.uid, resourceVersion: created.resourceVersion)
        if let server = h.server {
            let delete = try #require(server.requests.last { $0.method == "DELETE" })
            let body = try Node(json: delete.body)
            #expect(body["propagationPolicy"]?.string == "Foreground")
            #expect(body[path: ["preconditions", "uid"]]?.string == created.uid)
        }
    }

    @Test func errorsNameTheObjectAndCarryServerMessageAndCauses() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let bad: Node = Node.object([
            "apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
            "metadata": ["name": "strict", "namespace": .string(h.namespace)], "spec": ["mtls": ["mode": "BOGUS"]],
        ])
        await #expect { _ = try await h.client.apply(bad, fieldManager: "reconcile") } throws: { error in
            guard let error = error as? KubeError else { return false }
            let text = error.description
            return error.isInvalid && text.hasPrefix("apply PeerAuthentication \(h.namespace)/strict: 422 Invalid: ")
                && text.contains("BOGUS") && !error.causes.isEmpty
        }
        await #expect { _ = try await h.client.get(ObjectReference(apiVersion: "networking.istio.io/v1", kind: "NoSuchKind", namespace: h.namespace, name: "x")) }
            throws: { error in
                guard let error = error as? KubeError else { return false }
                return error.isNotFound && "\(error)".contains("NoSuchKind")
            }
    }
}
