import Foundation
import JSON
import YAML

/// The verbs on one resource path: get, list, watch, create, update, patch, delete.
struct ResourceHandler {
    let core: APIServerCore
    let type: ResourceType
    let path: ResourcePath
    let request: APIRequest

    var store: ObjectStore { core.store }
    var key: String { APIServerCore.storageKey(type) }
    var version: String { path.version }
    var namespace: String? { type.namespaced ? path.namespace : nil }

    func handle() throws(APIError) -> APIResult {
        let watch = path.watchPrefix || request.query["watch"] == "1" || request.query["watch"] == "true"
        switch (request.method, path.name) {
        case ("GET", nil) where watch: return .watch(try watchPlan())
        case ("GET", nil): return .response(try list())
        case ("GET", let name?): return .response(try get(name))
        case ("POST", nil): return .response(try store.locked { () throws(APIError) -> APIResponse in try create() })
        case ("PUT", let name?): return .response(try store.locked { () throws(APIError) -> APIResponse in try update(name) })
        case ("PATCH", let name?): return .response(try store.locked { () throws(APIError) -> APIResponse in try patch(name) })
        case ("DELETE", let name?): return .response(try store.locked { () throws(APIError) -> APIResponse in try delete(name) })
        default: throw APIError.methodNotAllowed()
        }
    }

    func render(_ object: Node) -> Node { core.render(object, type: type, version: version) }

    func now() -> String { APIServerCore.timestamp() }

    // MARK: - Read

    func get(_ name: String) throws(APIError) -> APIResponse {
        guard let object = store.get(key, namespace: namespace, name: name) else { throw APIError.notFound(type, name: name) }
        return APIResponse(status: 200, json: render(object))
    }

    func selectors() throws(APIError) -> (LabelSelector, String?, String?) {
        let labels = try request.query["labelSelector"].map { text throws(APIError) in try LabelSelector(parsing: text) } ?? LabelSelector()
        var name: String?
        var fieldNamespace: String?
        for part in (request.query["fieldSelector"] ?? "").split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "=")) }
            let field = pieces.first ?? ""
            switch field {
            case "metadata.name": name = pieces.count > 1 ? pieces[1] : ""
            case "metadata.namespace": fieldNamespace = pieces.count > 1 ? pieces[1] : ""
            default: throw APIError.badRequest("field label not supported: \(field)")
            }
        }
        return (labels, name, fieldNamespace)
    }

    func list() throws(APIError) -> APIResponse {
        let (labels, name, fieldNamespace) = try selectors()
        var limit = Int(request.query["limit"] ?? "") ?? 0
        if request.query["resourceVersion"] == "0" { limit = 0 }
        var start: String?
        // Read under the store's lock: writes change both on other event loops (TSan saw the race).
        let (current, oldestWatchable) = store.withLock { (store.resourceVersion, store.oldestWatchable) }
        var listRV = current
        if let token = request.query["continue"], !token.isEmpty {
            let decoded = try ContinueToken.decode(token)
            start = decoded.start
            listRV = decoded.resourceVersion
            if listRV < oldestWatchable && oldestWatchable > 100 {
                throw APIError(code: 410, reason: "Expired", message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
            }
        }
        func matches(_ object: Node) -> Bool {
            let meta = object["metadata"]
            if let name, meta?["name"]?.string != name { return false }
            if let fieldNamespace, meta?["namespace"]?.string != fieldNamespace { return false }
            return labels.matches(meta?["labels"])
        }
        func relKey(_ object: Node) -> String {
            let meta = object["metadata"]
            let name = meta?["name"]?.string ?? ""
            if namespace != nil || !type.namespaced { return "/" + name }
            return "\(meta?["namespace"]?.string ?? "")/\(name)"
        }
        // A continue token's start is the key relative to the list's namespace; the store's keys
        // are "namespace/name" ("/name" for cluster-scoped objects).
        let reportsRemaining = labels.requirements.isEmpty && name == nil
        let filtered = !labels.requirements.isEmpty || name != nil || fieldNamespace != nil
        var page: [Node] = []
        var after = 0  // matching objects past the page
        let unvisited = store.scan(key, namespace: namespace, from: start.map { (namespace ?? "") + $0 }) { object in
            guard !filtered || matches(object) else { return true }
            if limit <= 0 || page.count < limit {
                page.append(object)
                return true
            }
            after += 1
            // Past the page, objects are only counted for remainingItemCount; without filters the
            // store counts the rest.
            return reportsRemaining && filtered
        }
        if !filtered { after += unvisited }
        var metadata: Node = [:]
        if limit > 0, after > 0, let last = page.last {
            metadata["continue"] = .string(ContinueToken.encode(resourceVersion: listRV, start: relKey(last) + "\u{0}"))
            if reportsRemaining { metadata["remainingItemCount"] = Node(.int(after)) }
        } else if type.isCustom {
            metadata["continue"] = ""
        }
        metadata["resourceVersion"] = .string(String(listRV))
        // The same bytes as encoding the whole list as one Node, with each item's JSON reused and
        // written once, straight into a body sized for it.
        let encoded = page.map { core.renderedObjects.json($0, storage: key, version: version, render: render) }
        let apiVersion = Node.string(type.apiVersion(version)).jsonBytes()
        let kind = Node.string(type.listKind).jsonBytes()
        let fields: [(String, [UInt8]?)] = type.isCustom  // nil: the items
            ? [("apiVersion", apiVersion), ("items", nil), ("kind", kind), ("metadata", metadata.jsonBytes())]
            : [("kind", kind), ("apiVersion", apiVersion), ("metadata", metadata.jsonBytes()), ("items", nil)]
        var body: [UInt8] = []
        body.reserveCapacity(encoded.reduce(256) { $0 + $1.count + 1 })
        body.append(UInt8(ascii: "{"))
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += Node.string(name).jsonBytes()
            body.append(UInt8(ascii: ":"))
            if let value {
                body += value
                continue
            }
            body.append(UInt8(ascii: "["))
            for (index, item) in encoded.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body += item
            }
            body.append(UInt8(ascii: "]"))
        }
        body.append(UInt8(ascii: "}"))
        return APIResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }

    func watchPlan() throws(APIError) -> WatchPlan {
        let (labels, name, _) = try selectors()
        let rvText = request.query["resourceVersion"] ?? ""
        let sendInitial = request.query["sendInitialEvents"] == "true"
        var plan = WatchPlan(type: type, version: version, namespace: namespace, selector: labels, fieldName: name, from: nil,
                             sendInitialEvents: sendInitial || rvText.isEmpty || rvText == "0",
                             bookmarks: request.query["allowWatchBookmarks"] == "true",
                             timeout: request.query["timeoutSeconds"].flatMap(Double.init))
        if let rv = Int(rvText), rv > 0, !sendInitial {
            let oldestWatchable = store.withLock { store.oldestWatchable }
            if rv < oldestWatchable {
                plan.expired = ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                                "message": .string("too old resource version: \(rv) (\(oldestWatchable))"), "reason": "Expired", "code": 410]
            }
            plan.from = rv
            plan.sendInitialEvents = false
        }
        return plan
    }
}

/// The opaque `continue` token: base64url(JSON `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`),
/// the same shape kube-apiserver uses.
enum ContinueToken {
    static func encode(resourceVersion: Int, start: String) -> String {
        let json = Node.object(["v": "meta.k8s.io/v1", "rv": Node(.int(resourceVersion)), "start": .string(start)]).jsonString()
            .replacingOccurrences(of: "\\u0000", with: "\\u0000")
        return Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String) throws(APIError) -> (resourceVersion: Int, start: String) {
        var text = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else {
            throw APIError.badRequest("invalid continue token: illegal base64 data at input byte \(token.count - 1)")
        }
        let bytes = Array(data)
        guard let node = try? Node(json: bytes), let rv = node["rv"]?.int, let start = node["start"]?.string else {
            let first = bytes.first ?? 0
            let shown = first >= 0x20 && first < 0x7f ? String(UnicodeScalar(first)) : String(format: "\\u%04x", first)
            throw APIError.badRequest("invalid continue token: continue key is not valid: invalid character '\(shown)' looking for beginning of value")
        }
        return (rv, start)
    }
}
