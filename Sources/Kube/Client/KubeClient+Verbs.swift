import Foundation
import HTTP
import JSON
import YAML

extension KubeClient {
    /// The namespace a namespaced object lives in: its own, else the context's (as kubectl).
    func namespace(for resource: APIResource, _ namespace: String?) -> String? {
        guard resource.namespaced else { return nil }
        if let namespace, !namespace.isEmpty { return namespace }
        return connection.namespace
    }

    /// Reads apiVersion, kind, namespace and name from an object.
    func reference(of object: Node, verb: String) throws -> ObjectReference {
        guard let apiVersion = object["apiVersion"]?.string, !apiVersion.isEmpty,
              let kind = object["kind"]?.string, !kind.isEmpty else {
            throw KubeError(code: 0, reason: "BadRequest", message: "object has no apiVersion or kind", verb: verb)
        }
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        let ref = ObjectReference(apiVersion: apiVersion, kind: kind, namespace: object[path: ["metadata", "namespace"]]?.string, name: name)
        return ref
    }

    private func describe(_ ref: ObjectReference, _ resource: APIResource) -> String {
        ObjectReference(apiVersion: ref.apiVersion, kind: ref.kind, namespace: namespace(for: resource, ref.namespace), name: ref.name).description
    }

    /// The object, or nil when it does not exist (404 NotFound Status). A text/plain
    /// `404 page not found` means the resource itself is not served: that is thrown.
    public func get(_ ref: ObjectReference) async throws -> Node? {
        let resource = try await resource(for: ref)
        let object = describe(ref, resource)
        let response = try await perform(Call(verb: "get", object: object, method: "GET",
                                              path: resource.objectPath(namespace: namespace(for: resource, ref.namespace), name: ref.name),
                                              passthrough: [404]))
        if response.status == 404 {
            let error = KubeError.from(status: 404, body: response.body, headers: response.headers, verb: "get", object: object)
            if error.reason == "NotFound", response.header("content-type")?.contains("json") ?? false { return nil }
            throw error
        }
        return try decode(response, verb: "get", object: object)
    }

    /// Every object of a resource (in a namespace, or all namespaces when nil), `limit` per page,
    /// following `continue` tokens; all pages share the first page's resourceVersion. An expired
    /// continue token (410) restarts the list once from the beginning.
    public func list(_ resource: APIResource, namespace: String? = nil, labelSelector: String? = nil, limit: Int = 500) async throws -> ListResult {
        let object = resource.kind + (namespace.map { " in \($0)" } ?? "")
        var restarted = false
        listing: while true {
            var items: [JSONView] = []
            var pages = 0
            var token: String?
            var resourceVersion = ""
            repeat {
                let query: [(String, String?)] = [
                    ("labelSelector", labelSelector.flatMap { $0.isEmpty ? nil : $0 }),
                    ("limit", limit > 0 ? String(limit) : nil),
                    ("continue", token),
                ]
                let response: HTTPResponse
                do {
                    response = try await perform(Call(verb: "list", object: object, method: "GET",
                                                      path: resource.collectionPath(namespace: resource.namespaced ? namespace : nil), query: query))
                } catch let error as KubeError where error.isGone && token != nil && !restarted {
                    restarted = true
                    continue listing
                }
                let page = try index(response, verb: "list", object: object)
                pages += 1
                if let pageItems = page["items"] { items.append(contentsOf: pageItems.elements) }
                if pages == 1 { resourceVersion = page[path: ["metadata", "resourceVersion"]]?.string ?? "" }
                token = page[path: ["metadata", "continue"]]?.string.flatMap { $0.isEmpty ? nil : $0 }
            } while token != nil
            return ListResult(rawItems: items, itemAPIVersion: resource.apiVersion, itemKind: resource.kind,
                              resourceVersion: resourceVersion, pages: pages)
        }
    }

    /// Server-side apply (`PATCH application/apply-patch+yaml`; JSON is YAML, and quoting every
    /// string avoids YAML 1.1 surprises such as `yes` → true). `managedFields` is removed from the
    /// body: the server refuses an apply that sets it. `dryRun` asks `dryRun=All`: validated and
    /// defaulted, nothing stored.
    public func apply(_ object: Node, fieldManager: String, force: Bool = false, dryRun: Bool = false) async throws -> Node {
        let ref = try reference(of: object, verb: "apply")
        let resource = try await resource(for: ref)
        let described = describe(ref, resource)
        var body = object
        if body["metadata"]?["managedFields"] != nil { body["metadata"]?["managedFields"] = nil }
        let query: [(String, String?)] = [
            ("fieldManager", fieldManager),
            ("force", force ? "true" : nil),
            ("dryRun", dryRun ? "All" : nil),
        ]
        let response = try await perform(Call(verb: dryRun ? "apply (dry run)" : "apply", object: described, method: "PATCH",
                                              path: resource.objectPath(namespace: namespace(for: resource, ref.namespace), name: ref.name),
                                              query: query, body: Array(body.jsonString().utf8), contentType: "application/apply-patch+yaml"))
        return try decode(response, verb: "apply", object: described)
    }

    /// JSON merge patch (RFC 7386): what `kubectl rollout restart` uses for the restartedAt
    /// annotation, so the field is not owned by an apply manager. `null` deletes a key.
    public func mergePatch(_ ref: ObjectReference, patch: Node, fieldManager: String? = nil) async throws -> Node {
        let resource = try await resource(for: ref)
        let described = describe(ref, resource)
        let response = try await perform(Call(verb: "patch", object: described, method: "PATCH",
                                              path: resource.objectPath(namespace: namespace(for: resource, ref.namespace), name: ref.name),
                                              query: [("fieldManager", fieldManager)], body: Array(patch.jsonString().utf8),
                                              contentType: "application/merge-patch+json"))
        return try decode(response, verb: "patch", object: described)
    }

    /// POST to the collection. Retried only when the request certainly never reached the server,
    /// or the server refused it unprocessed (429): a repeated create could otherwise report a
    /// spurious AlreadyExists.
    public func create(_ object: Node) async throws -> Node {
        let ref = try reference(of: object, verb: "create")
        let resource = try await resource(for: ref)
        return try await create(object, in: resource, ref: ref)
    }

    func create(_ object: Node, in resource: APIResource, ref: ObjectReference) async throws -> Node {
        let described = describe(ref, resource)
        let response = try await perform(Call(verb: "create", object: described, method: "POST",
                                              path: resource.collectionPath(namespace: namespace(for: resource, ref.namespace)),
                                              body: Array(object.jsonString().utf8), contentType: "application/json", safety: .create))
        return try decode(response, verb: "create", object: described)
    }

    /// PUT with `metadata.resourceVersion` (optimistic concurrency: 409 Conflict when the object
    /// changed since it was read). An object without resourceVersion is refused before sending,
    /// since some kinds (ConfigMaps) would otherwise be overwritten blindly.
    public func update(_ object: Node) async throws -> Node {
        let ref = try reference(of: object, verb: "update")
        let resource = try await resource(for: ref)
        let described = describe(ref, resource)
        guard let rv = object[path: ["metadata", "resourceVersion"]]?.string, !rv.isEmpty else {
            throw KubeError(code: 0, reason: "MissingResourceVersion",
                            message: "update needs metadata.resourceVersion (read the object first, or use apply)", verb: "update", object: described)
        }
        let response = try await perform(Call(verb: "update", object: described, method: "PUT",
                                              path: resource.objectPath(namespace: namespace(for: resource, ref.namespace), name: ref.name),
                                              body: Array(object.jsonString().utf8), contentType: "application/json"))
        return try decode(response, verb: "update", object: described)
    }

    /// DELETE with `DeleteOptions` (propagation, and uid / resourceVersion preconditions: 409
    /// when the live object is not the one we meant). A missing object is a NotFound error,
    /// except after a retry, when an earlier attempt must have deleted it.
    public func delete(_ ref: ObjectReference, propagation: String = "Background", uid: String? = nil, resourceVersion: String? = nil) async throws {
        let resource = try await resource(for: ref)
        let described = describe(ref, resource)
        var options: Node = ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(propagation)]
        if uid != nil || resourceVersion != nil {
            var preconditions: Node = [:]
            if let uid { preconditions["uid"] = .string(uid) }
            if let resourceVersion { preconditions["resourceVersion"] = .string(resourceVersion) }
            options["preconditions"] = preconditions
        }
        _ = try await perform(Call(verb: "delete", object: described, method: "DELETE",
                                   path: resource.objectPath(namespace: namespace(for: resource, ref.namespace), name: ref.name),
                                   body: Array(options.jsonString().utf8), contentType: "application/json"))
    }

    /// Records an Event (events.k8s.io/v1 or core v1, by the event's apiVersion). The two
    /// well-known resources are used without discovery, so reporting drift costs one request.
    public func createEvent(_ event: Node) async throws -> Node {
        let ref = try reference(of: event, verb: "create")
        let resource: APIResource
        switch ref.apiVersion {
        case "events.k8s.io/v1": resource = APIResource(group: "events.k8s.io", version: "v1", kind: "Event", name: "events", namespaced: true)
        case "v1": resource = APIResource(group: "", version: "v1", kind: "Event", name: "events", namespaced: true)
        default: resource = try await self.resource(for: ref)
        }
        return try await create(event, in: resource, ref: ref)
    }
}
