import JSON
import YAML

extension ResourceHandler {
    func patch(_ name: String) throws(APIError) -> APIResponse {
        let contentType = request.contentType ?? ""
        switch contentType {
        case "application/apply-patch+yaml", "application/apply-patch+cbor": return try serverSideApply(name)
        case "application/merge-patch+json", "application/json-patch+json": break
        case "application/strategic-merge-patch+json" where !type.isCustom: break
        default:
            var accepted = ["application/json-patch+json", "application/merge-patch+json"]
            if !type.isCustom { accepted.append("application/strategic-merge-patch+json") }
            accepted.append("application/apply-patch+yaml")
            throw APIError.unsupportedMediaType(accepted)
        }
        guard let live = store.get(key, namespace: namespace, name: name) else { throw APIError.notFound(type, name: name) }
        let patchBody: Node
        do { patchBody = try Node(json: request.body).withoutMarks } catch {
            throw APIError.badRequest("error decoding patch: \(error)")
        }
        var object: Node
        let current = core.render(live, type: type, version: version)
        if contentType == "application/json-patch+json" {
            do { object = try ObjectMerge.jsonPatch(current, patchBody) } catch let error as ObjectMerge.PatchError {
                throw APIError(code: 422, reason: "Invalid", message: error.message)
            } catch { throw APIError.badRequest("\(error)") }
        } else {
            object = ObjectMerge.mergePatch(current, patchBody)
        }
        object = try prepareBody(object)
        let rv = object[path: ["metadata", "resourceVersion"]]?.string ?? ""
        if !rv.isEmpty && rv != live[path: ["metadata", "resourceVersion"]]?.string { throw APIError.conflictModified(type, name: name) }
        let warnings = try pruneUnknown(&object)
        try validate(&object, name: name, isApply: false)
        let result = try finishUpdate(live: live, new: object, manager: request.updateManager)
        return APIResponse(status: 200, json: render(result), headers: warnings)
    }

    /// `application/apply-patch+yaml` (transcripts 012-033): 400/422/500 request checks, then
    /// create (201) or apply onto the live object (200), honouring force and dryRun.
    func serverSideApply(_ name: String) throws(APIError) -> APIResponse {
        guard let manager = request.query["fieldManager"], !manager.isEmpty else {
            throw APIError(code: 422, reason: "Invalid",
                message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                details: ["group": "meta.k8s.io", "kind": "PatchOptions", "causes": [APIError.Cause.required("fieldManager", "is required for apply patch").node]])
        }
        var applied = try request.decodeBody(kindLabel: type.kind)
        if type.key == "/events" { applied = EventConversion.fromCore(applied) }
        let bodyName = applied[path: ["metadata", "name"]]?.string ?? ""
        if bodyName.isEmpty {
            throw APIError.badRequest("the name of the object (\(name) based on URL) was undeterminable: name must be provided")
        }
        if bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        // Typed-patch conversion: undeclared fields and type mismatches are 500s.
        var errors: [String] = []
        for meta in ["labels", "annotations"] {
            for entry in applied[path: ["metadata", meta]]?.entries ?? [] where entry.value.string == nil {
                errors.append(".metadata.\(meta).\(entry.key): expected string, got \(SchemaPruner.goValue(entry.value))")
            }
        }
        var body = applied
        body["metadata"] = nil; body["apiVersion"] = nil; body["kind"] = nil
        if type.hasStatus { body["status"] = nil }
        SchemaPruner.typeErrors(body, type.schema(version), path: "", into: &errors)
        if !errors.isEmpty {
            let gv = type.group.isEmpty ? "/\(version)" : "\(type.group)/\(version)"
            let ident = namespace.map { "\($0)/\(name)" } ?? name
            let detail = errors.count == 1 ? errors[0] : "errors:\n" + errors.map { "  " + $0 }.joined(separator: "\n")
            throw APIError.internal("failed to create typed patch object (\(ident); \(gv), Kind=\(type.kind)): \(detail)")
        }
        if let namespace { applied["metadata"]?["namespace"] = .string(namespace) }
        applied["apiVersion"] = .string(type.apiVersion(version))
        let force = request.query["force"] == "true"
        guard let live = store.get(key, namespace: namespace, name: name) else {
            try checkNamespace()
            var object = applied
            try validate(&object, name: name, isApply: true)
            try core.authorizeCreateOnPatch(request)
            let created = try finishCreate(object, manager: manager, apply: (manager, force))
            return APIResponse(status: 201, json: render(created))
        }
        let fields = FieldManager(type: type, version: version, now: now())
        let current = core.render(live, type: type, version: version)
        var merged = try fields.apply(live: current, applied: applied, manager: manager, force: force)
        merged = try prepareBody(merged)
        try validate(&merged, name: name, isApply: true)
        let result = try finishUpdate(live: live, new: merged, manager: nil)
        return APIResponse(status: 200, json: render(result))
    }
}
