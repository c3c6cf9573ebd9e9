import Foundation
import YAML

/// The apiserver behind the sockets: authorization, routing of discovery and resource paths,
/// and the verbs. Independent of NIO so its answers can be reasoned about on their own.
final class APIServerCore: @unchecked Sendable {
    let registry: ResourceRegistry
    let store = ObjectStore()
    let renderedObjects = RenderedObjects()
    /// RBAC for the users it names (`TestAPIServer.Options.authorizer`); nil: everyone authenticated may do anything.
    let authorizer: RBACAuthorizer?
    var serverAddress = "127.0.0.1:0"

    init(registry: ResourceRegistry, authorizer: RBACAuthorizer? = nil) {
        self.registry = registry
        self.authorizer = authorizer
    }

    func handle(_ request: APIRequest) -> APIResult {
        do {
            return try route(request)
        } catch {
            return .response(APIResponse(error: error))
        }
    }

    private func route(_ request: APIRequest) throws(APIError) -> APIResult {
        let segments = request.path.split(separator: "/").map(String.init)
        let discovery = Discovery(registry: registry, serverAddress: serverAddress)
        if request.path == "/version" { return .response(APIResponse(status: 200, json: Discovery.version)) }
        guard let user = request.user else { throw forbidden(request, segments: segments) }
        // Authorization comes before routing, as in kube-apiserver: a forbidden request for an
        // unknown resource is a 403, not a 404.
        if let authorizer, authorizer.governs(user) {
            let attributes = RBACAuthorizer.attributes(method: request.method, path: request.path, query: request.query, user: user)
            guard authorizer.allows(attributes) else { throw RBACAuthorizer.forbidden(attributes) }
        }
        guard let root = segments.first, root == "api" || root == "apis" else { throw APIError.pageNotFound }
        if request.method == "GET", let response = try discovery.answer(segments: segments, request: request) {
            return .response(response)
        }
        guard let path = parse(segments) else { throw APIError.pageNotFound }
        guard let type = registry.lookup(group: path.group, version: path.version, plural: path.plural) else {
            if !registry.hasGroupVersion(path.group, path.version) || registry.isCustomGroup(path.group) { throw APIError.pageNotFound }
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource", details: [:])
        }
        if let sub = path.subresource, !(sub == "status" && type.hasStatus) { throw APIError.pageNotFound }
        let handler = ResourceHandler(core: self, type: type, path: path, request: request)
        return try handler.handle()
    }

    /// `/apis/<group>/<version>/[watch/][namespaces/<ns>/]<plural>[/<name>[/<sub>]]`.
    func parse(_ segments: [String]) -> ResourcePath? {
        var rest: ArraySlice<String>
        var group = ""
        let version: String
        if segments.first == "api" {
            guard segments.count >= 3 else { return nil }
            version = segments[1]
            rest = segments[2...]
        } else {
            guard segments.count >= 4 else { return nil }
            group = segments[1]
            version = segments[2]
            rest = segments[3...]
        }
        var watch = false
        if rest.first == "watch" { watch = true; rest = rest.dropFirst() }
        var namespace: String?
        if rest.first == "namespaces", rest.count >= 3, rest[rest.startIndex + 2] != "status", rest[rest.startIndex + 2] != "finalize" {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard let plural = rest.first else { return nil }
        let items = Array(rest.dropFirst())
        guard items.count <= 2 else { return nil }
        return ResourcePath(group: group, version: version, plural: plural, namespace: namespace,
                            name: items.first, subresource: items.count == 2 ? items[1] : nil, watchPrefix: watch)
    }

    /// A server-side apply that creates the object is authorized a second time, as `create`
    /// (kube-apiserver's patch handler wraps its create validation in `withAuthorization`).
    /// A Namespace is cluster-scoped: the create is checked at the cluster scope.
    func authorizeCreateOnPatch(_ request: APIRequest) throws(APIError) {
        guard let authorizer, let user = request.user, authorizer.governs(user) else { return }
        var attributes = RBACAuthorizer.attributes(method: request.method, path: request.path, query: request.query, user: user)
        attributes.verb = "create"
        if attributes.apiGroup.isEmpty && attributes.resource == "namespaces" { attributes.namespace = "" }
        guard authorizer.allows(attributes) else { throw RBACAuthorizer.forbiddenCreateOnPatch(attributes) }
    }

    /// 403 for `system:anonymous` (transcript 107).
    private func forbidden(_ request: APIRequest, segments: [String]) -> APIError {
        let user = "system:anonymous"
        guard let path = parse(segments), let type = registry.lookup(group: path.group, version: path.version, plural: path.plural) else {
            return APIError(code: 403, reason: "Forbidden", message: "forbidden: User \"\(user)\" cannot get path \"\(request.path)\"", details: [:])
        }
        let verb: String
        switch request.method {
        case "GET": verb = request.query["watch"].map { $0 == "1" || $0 == "true" } == true || path.watchPrefix ? "watch" : (path.name == nil ? "list" : "get")
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = path.name == nil ? "deletecollection" : "delete"
        default: verb = request.method.lowercased()
        }
        var message = "\(type.qualifiedPlural)\(path.name.map { " \"\($0)\"" } ?? "") is forbidden: User \"\(user)\" cannot \(verb) resource \"\(type.plural)\" in API group \"\(type.group)\""
        message += path.namespace.map { " in the namespace \"\($0)\"" } ?? " at the cluster scope"
        var details = APIError.details(name: path.name, group: type.group, kind: type.plural)
        if type.group.isEmpty { details["group"] = nil }
        return APIError(code: 403, reason: "Forbidden", message: message, details: details)
    }

    // MARK: - Rendering

    /// An object as a client sees it in `version`: apiVersion rewritten, key order as the
    /// apiserver writes it (sorted for custom resources, Go struct order for built-ins).
    func render(_ object: Node, type: ResourceType, version: String) -> Node {
        var object = object
        if type.key == "/events" { object = EventConversion.toCore(object) }
        object["apiVersion"] = .string(type.apiVersion(version))
        object["kind"] = .string(type.kind)
        if type.isCustom { return object.sortedKeys }
        return BuiltinOrder.order(object)
    }

    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The storage key of a resource (both Event APIs share one store).
    static func storageKey(_ type: ResourceType) -> String {
        type.key == "/events" ? "events.k8s.io/events" : type.key
    }
}

/// Go struct order for built-in kinds: `kind, apiVersion, metadata, spec, status` and ObjectMeta's
/// field order, so responses read like the apiserver's.
enum BuiltinOrder {
    static let top = ["kind", "apiVersion", "metadata"]
    static let metadata = ["name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                           "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
                           "finalizers", "managedFields"]

    static func order(_ object: Node) -> Node {
        var result = reorder(object, top)
        if let meta = result["metadata"] { result["metadata"] = reorder(meta, metadata) }
        return result
    }

    static func reorder(_ node: Node, _ keys: [String]) -> Node {
        guard let entries = node.entries else { return node }
        var ordered: [Node.Entry] = []
        for key in keys { if let entry = entries.first(where: { $0.key == key }) { ordered.append(entry) } }
        ordered += entries.filter { !keys.contains($0.key) }
        return Node(.mapping(ordered))
    }
}
