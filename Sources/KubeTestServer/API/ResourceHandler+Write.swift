import Foundation
import YAML

extension ResourceHandler {
    var generationTracked: Bool { type.isCustom || ["apps", "networking.k8s.io"].contains(type.group) }

    /// Name, namespace and schema checks shared by create and update (422 with causes).
    func validate(_ object: inout Node, name: String, isApply: Bool) throws(APIError) {
        var causes: [APIError.Cause] = []
        if name.isEmpty { causes.append(.required("metadata.name", "name or generateName is required")) }
        if type.isCustom {
            var validator = SchemaValidator()
            var body = object
            body["metadata"] = nil; body["apiVersion"] = nil; body["kind"] = nil
            validator.validate(body, type.schema(version), path: "")
            causes += validator.causes
        }
        causes += Admission.validate(object, type: type)
        if !causes.isEmpty {
            if type.isCustom && type.hasCELRules { causes.append(.celNotChecked) }
            let label = type.key == "events.k8s.io/events" ? type.kind : (type.group.isEmpty || !type.isCustom && type.group != "networking.k8s.io" ? type.qualifiedPlural : type.qualifiedKind)
            let kind = type.isCustom || type.group == "networking.k8s.io" || type.kind == "Event" ? type.kind : type.plural
            throw APIError.invalid(kindLabel: label, name: name, group: type.kind == "Event" ? nil : type.group, kind: kind, causes: causes)
        }
    }

    /// Prunes undeclared fields per `fieldValidation`; returns Warning headers.
    func pruneUnknown(_ object: inout Node) throws(APIError) -> [(name: String, value: String)] {
        guard type.isCustom else { return [] }
        var unknown: [String] = []
        var body = object
        let (metadata, apiVersion, kind) = (body["metadata"], body["apiVersion"], body["kind"])
        body["metadata"] = nil; body["apiVersion"] = nil; body["kind"] = nil
        SchemaPruner.prune(&body, type.schema(version), path: "", unknown: &unknown)
        body["metadata"] = metadata; body["apiVersion"] = apiVersion; body["kind"] = kind
        object = body
        guard !unknown.isEmpty else { return [] }
        switch request.query["fieldValidation"] ?? "Warn" {
        case "Strict":
            let list = unknown.map { "unknown field \"\($0)\"" }.joined(separator: ", ")
            throw APIError.badRequest("\(type.kind) in version \"\(version)\" cannot be handled as a \(type.kind): strict decoding error: \(list)")
        case "Ignore": return []
        default: return unknown.map { ("Warning", "299 - \"unknown field \\\"\($0)\\\"\"") }
        }
    }

    func checkNamespace() throws(APIError) {
        guard let namespace else { return }
        if store.get("/namespaces", namespace: nil, name: namespace) == nil { throw APIError.namespaceNotFound(namespace) }
    }

    func prepareBody(_ body: Node) throws(APIError) -> Node {
        var object = body
        if type.key == "/events" { object = EventConversion.fromCore(object) }
        if let namespace { object["metadata"]?["namespace"] = .string(namespace) }
        object["apiVersion"] = .string(type.apiVersion(version))
        object["kind"] = .string(type.kind)
        return object
    }

    func create() throws(APIError) -> APIResponse {
        var object = try prepareBody(try request.decodeBody(kindLabel: type.kind))
        if object["metadata"] == nil { object["metadata"] = [:] }
        if type.key == "events.k8s.io/events" || type.key == "/events" { try EventConversion.checkMicroTime(object, version: version) }
        var name = object[path: ["metadata", "name"]]?.string ?? ""
        if name.isEmpty, let prefix = object[path: ["metadata", "generateName"]]?.string {
            name = prefix + String(UUID().uuidString.lowercased().prefix(5))
            object["metadata"]?["name"] = .string(name)
        }
        let warnings = try pruneUnknown(&object)
        try validate(&object, name: name, isApply: false)
        try checkNamespace()
        if store.get(key, namespace: namespace, name: name) != nil { throw APIError.alreadyExists(type, name: name) }
        let result = try finishCreate(object, manager: request.updateManager, apply: nil)
        return APIResponse(status: 201, json: render(result), headers: warnings)
    }

    /// Stamps uid, timestamps and generation, runs admission, records managedFields, stores.
    func finishCreate(_ input: Node, manager: String, apply: (manager: String, force: Bool)?) throws(APIError) -> Node {
        var object = input
        if type.hasStatus && type.key != "/namespaces" { object["status"] = nil }
        object["metadata"]?["managedFields"] = nil
        let fields = FieldManager(type: type, version: version, now: now())
        if let apply {
            object = try fields.apply(live: nil, applied: object, manager: apply.manager, force: apply.force)
        } else {
            fields.recordUpdate(old: nil, new: &object, manager: manager)
        }
        Admission.defaults(&object, type: type, old: nil)
        var metadata = object["metadata"] ?? [:]
        metadata["uid"] = .string(UUID().uuidString.lowercased())
        metadata["creationTimestamp"] = .string(now())
        if generationTracked { metadata["generation"] = 1 }
        object["metadata"] = metadata
        if request.isDryRun { return object }
        return store.put(key, object, created: true)
    }

    func update(_ name: String) throws(APIError) -> APIResponse {
        var object = try prepareBody(try request.decodeBody(kindLabel: type.kind))
        let bodyName = object[path: ["metadata", "name"]]?.string ?? ""
        if bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let warnings = try pruneUnknown(&object)
        guard let live = store.get(key, namespace: namespace, name: name) else { throw APIError.notFound(type, name: name) }
        let rv = object[path: ["metadata", "resourceVersion"]]?.string ?? ""
        if rv.isEmpty && !type.allowsUnconditionalUpdate {
            throw APIError.invalid(kindLabel: type.qualifiedPlural, name: name, group: type.group, kind: type.isCustom ? type.kind : type.plural,
                                   causes: [.invalid("metadata.resourceVersion", value: "0", "must be specified for an update")])
        }
        if !rv.isEmpty && rv != live[path: ["metadata", "resourceVersion"]]?.string { throw APIError.conflictModified(type, name: name) }
        try validate(&object, name: name, isApply: false)
        let result = try finishUpdate(live: live, new: object, manager: request.updateManager)
        return APIResponse(status: 200, json: render(result), headers: warnings)
    }

    /// Keeps server-owned metadata, bumps generation on spec changes, stores or deletes (finalizers).
    func finishUpdate(live: Node, new input: Node, manager: String?) throws(APIError) -> Node {
        var object = input
        let subresource = path.subresource
        if subresource == "status" {
            var merged = live
            merged["status"] = object["status"]
            object = merged
        } else if type.hasStatus {
            object["status"] = live["status"]
        }
        var metadata = object["metadata"] ?? [:]
        // As the apiserver's field manager: non-empty `managedFields` sent in an update or patch
        // replace the recorded ones (how clients such as csaupgrade move ownership); empty or
        // undecodable ones, and any on a subresource, leave the live record in place.
        let liveManaged = live[path: ["metadata", "managedFields"]]
        var recorded = live
        if subresource == nil, let requested = metadata["managedFields"], requested != liveManaged,
           !ManagedFieldsEntry.decode(object).isEmpty {
            recorded["metadata"]?["managedFields"] = requested
        }
        for key in ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name"] {
            metadata[key] = live[path: ["metadata", key]]
        }
        if manager != nil { metadata["managedFields"] = recorded[path: ["metadata", "managedFields"]] }
        object["metadata"] = metadata
        if let manager {
            FieldManager(type: type, version: version, now: now()).recordUpdate(old: recorded, new: &object, manager: manager, subresource: subresource)
        }
        Admission.defaults(&object, type: type, old: live)
        if generationTracked && Self.specPart(object) != Self.specPart(live) {
            object["metadata"]?["generation"] = Node(.int((live[path: ["metadata", "generation"]]?.int ?? 0) + 1))
        }
        object["metadata"]?["resourceVersion"] = live[path: ["metadata", "resourceVersion"]]
        if object == live { return live }
        if request.isDryRun { return object }
        let stored = store.put(key, object, created: false)
        if stored[path: ["metadata", "deletionTimestamp"]] != nil, (stored[path: ["metadata", "finalizers"]]?.sequence ?? []).isEmpty {
            store.delete(key, namespace: namespace, name: stored[path: ["metadata", "name"]]?.string ?? "")
        }
        return stored
    }

    /// Everything but metadata and status: what `generation` tracks.
    static func specPart(_ object: Node) -> Node {
        var copy = object
        copy["metadata"] = nil
        copy["status"] = nil
        return copy
    }

    func delete(_ name: String) throws(APIError) -> APIResponse {
        guard var live = store.get(key, namespace: namespace, name: name) else { throw APIError.notFound(type, name: name) }
        let options = request.body.isEmpty ? Node([:]) : ((try? request.decodeBody(kindLabel: "DeleteOptions")) ?? [:])
        let liveRV = live[path: ["metadata", "resourceVersion"]]?.string ?? ""
        if let rv = options[path: ["preconditions", "resourceVersion"]]?.string, rv != liveRV {
            throw APIError(code: 409, reason: "Conflict",
                message: "Operation cannot be fulfilled on \(type.qualifiedKind) \"\(name)\": the ResourceVersion in the precondition (\(rv)) does not match the ResourceVersion in record (\(liveRV)). The object might have been modified",
                details: APIError.details(name: name, group: type.group, kind: type.kind))
        }
        if let uid = options[path: ["preconditions", "uid"]]?.string, uid != live[path: ["metadata", "uid"]]?.string {
            throw APIError(code: 409, reason: "Conflict",
                message: "Operation cannot be fulfilled on \(type.qualifiedKind) \"\(name)\": Precondition failed: UID in precondition: \(uid), UID in object meta: \(live[path: ["metadata", "uid"]]?.string ?? "")",
                details: APIError.details(name: name, group: type.group, kind: type.kind))
        }
        let policy = options["propagationPolicy"]?.string ?? request.query["propagationPolicy"]
        var finalizers = live[path: ["metadata", "finalizers"]]?.sequence ?? []
        if policy == "Foreground" && !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
        if policy == "Orphan" && !finalizers.contains("orphan") { finalizers.append("orphan") }
        if type.key == "/namespaces" && !request.isDryRun {
            for (resource, object) in store.allObjects() where object[path: ["metadata", "namespace"]]?.string == name {
                store.delete(resource, namespace: name, name: object[path: ["metadata", "name"]]?.string ?? "")
            }
        }
        if finalizers.isEmpty {
            if !request.isDryRun { store.delete(key, namespace: namespace, name: name) }
            var details = APIError.details(name: name, group: type.group, kind: type.plural)
            details["uid"] = live[path: ["metadata", "uid"]]
            return APIResponse(status: 200, json: Node.object(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": details]))
        }
        if live[path: ["metadata", "deletionTimestamp"]] == nil {
            live["metadata"]?["deletionTimestamp"] = .string(now())
            live["metadata"]?["deletionGracePeriodSeconds"] = 0
            let generation = live[path: ["metadata", "generation"]]?.int ?? 0
            if generationTracked { live["metadata"]?["generation"] = Node(.int(generation + 1)) }
        }
        live["metadata"]?["finalizers"] = .sequence(finalizers)
        if request.isDryRun { return APIResponse(status: 200, json: render(live)) }
        let stored = store.put(key, live, created: false)
        // The garbage collector's finalizers go at once: there are no dependents here.
        let remaining = finalizers.filter { $0 != "foregroundDeletion" && $0 != "orphan" }
        if remaining.isEmpty { store.delete(key, namespace: namespace, name: name) }
        return APIResponse(status: 200, json: render(stored))
    }
}
