import Foundation
import YAML

/// Kubernetes RBAC for the test API server, so a test can run a client under exactly the rules a
/// chart grants and see the 403 a real cluster would send. Only users named in `bindings` are
/// checked; every other user is unrestricted (as `system:masters` is), so fixtures keep seeding
/// through the admin token. Off unless `TestAPIServer.Options.authorizer` is set.
///
/// The request → attributes mapping follows kube-apiserver's `RequestInfoFactory`, the rule
/// matching `rbac/v1` `RuleAllows`, and the denial text `responsewriters.forbiddenMessage`
/// (transcript 106).
public struct RBACAuthorizer: Sendable {
    /// One `rules[]` entry of a Role or ClusterRole.
    public struct Rule: Sendable, Equatable, CustomStringConvertible {
        public var apiGroups: [String]
        /// Plural names, `plural/subresource` for a subresource, `*` and `*/subresource`.
        public var resources: [String]
        public var verbs: [String]
        /// Empty: any name.
        public var resourceNames: [String]

        public init(apiGroups: [String], resources: [String], verbs: [String], resourceNames: [String] = []) {
            self.apiGroups = apiGroups
            self.resources = resources
            self.verbs = verbs
            self.resourceNames = resourceNames
        }

        /// A rule as YAML (`apiGroups`, `resources`, `verbs`, `resourceNames`); nil when it has
        /// no verbs (a `nonResourceURLs` rule, which this authorizer does not grant from).
        public init?(yaml rule: Node) {
            func strings(_ key: String) -> [String] { (rule[key]?.sequence ?? []).compactMap(\.string) }
            guard !strings("verbs").isEmpty, rule["nonResourceURLs"] == nil else { return nil }
            self.init(apiGroups: strings("apiGroups"), resources: strings("resources"), verbs: strings("verbs"),
                      resourceNames: strings("resourceNames"))
        }

        public var description: String {
            "\(apiGroups) \(resources) \(verbs)" + (resourceNames.isEmpty ? "" : " names \(resourceNames)")
        }

        func allows(_ attributes: Attributes) -> Bool {
            guard verbs.contains(attributes.verb) || verbs.contains("*") else { return false }
            guard apiGroups.contains(attributes.apiGroup) || apiGroups.contains("*") else { return false }
            let combined = attributes.subresource.isEmpty ? attributes.resource : "\(attributes.resource)/\(attributes.subresource)"
            let resourceMatches = resources.contains { granted in
                granted == "*" || granted == combined
                    || (!attributes.subresource.isEmpty && granted == "*/\(attributes.subresource)")
            }
            guard resourceMatches else { return false }
            return resourceNames.isEmpty || resourceNames.contains(attributes.name)
        }
    }

    /// A Role bound by a RoleBinding (its rules hold in `namespace` only), or a ClusterRole bound
    /// by a ClusterRoleBinding (`namespace` nil: everywhere, cluster-scoped objects included).
    public struct Binding: Sendable {
        public var rules: [Rule]
        public var namespace: String?

        public init(rules: [Rule], namespace: String?) {
            self.rules = rules
            self.namespace = namespace
        }

        /// The rules of a Role or ClusterRole document (as the chart templates hold them).
        public init(role document: Node, namespace: String?) {
            self.init(rules: (document["rules"]?.sequence ?? []).compactMap(Rule.init(yaml:)), namespace: namespace)
        }

        func allows(_ attributes: Attributes) -> Bool {
            if let namespace, namespace != attributes.namespace { return false }
            return rules.contains { $0.allows(attributes) }
        }
    }

    /// What kube-apiserver authorizes: the verb and, for resource requests, the resource.
    public struct Attributes: Sendable, Equatable, CustomStringConvertible {
        public var user: String
        public var verb: String
        public var isResourceRequest: Bool
        public var path: String
        public var apiGroup = ""
        public var apiVersion = ""
        public var resource = ""
        public var subresource = ""
        public var namespace = ""
        public var name = ""

        public var description: String {
            guard isResourceRequest else { return "\(verb) \(path)" }
            let what = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
            return "\(verb) \(apiGroup.isEmpty ? "core" : apiGroup)/\(what)" + (name.isEmpty ? "" : " \"\(name)\"")
                + (namespace.isEmpty ? " (cluster scope)" : " in \(namespace)")
        }
    }

    /// Non-resource URLs every authenticated user may GET (the `system:discovery` and
    /// `system:public-info-viewer` ClusterRoles); a trailing `*` matches any rest.
    public static let discoveryURLs = ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", "/version", "/version/",
                                       "/healthz", "/livez", "/readyz"]

    /// The checked users (`system:serviceaccount:<ns>:<name>`) and what is bound to each.
    public var bindings: [String: [Binding]]

    public init(bindings: [String: [Binding]]) {
        self.bindings = bindings
    }

    /// Whether `user` is checked at all.
    public func governs(_ user: String) -> Bool { bindings[user] != nil }

    public func allows(_ attributes: Attributes) -> Bool {
        guard let bound = bindings[attributes.user] else { return true }
        guard attributes.isResourceRequest else {
            return attributes.verb == "get" && Self.discoveryURLs.contains { url in
                url.hasSuffix("*") ? attributes.path.hasPrefix(String(url.dropLast())) : attributes.path == url
            }
        }
        return bound.contains { $0.allows(attributes) }
    }

    /// `RequestInfoFactory.NewRequestInfo`: `/api/v1/...` and `/apis/<group>/<version>/...` with at
    /// least a resource are resource requests; `/api`, `/api/v1`, `/apis/<group>[/<version>]` and
    /// anything else are not. GET without a name is `list`, or `watch` with `?watch=true` or a
    /// `/watch/` path; DELETE without a name is `deletecollection`. For `namespaces/<name>` the
    /// namespace is the name itself, as kube-apiserver has it.
    public static func attributes(method: String, path: String, query: [String: String], user: String) -> Attributes {
        var attributes = Attributes(user: user, verb: method.lowercased(), isResourceRequest: false, path: path)
        var parts = ArraySlice(path.split(separator: "/", omittingEmptySubsequences: true).map(String.init))
        guard parts.count >= 3, let prefix = parts.first, prefix == "api" || prefix == "apis" else { return attributes }
        parts = parts.dropFirst()
        if prefix == "apis" {
            guard parts.count >= 3 else { return attributes }
            attributes.apiGroup = parts.removeFirst()
        }
        attributes.isResourceRequest = true
        attributes.apiVersion = parts.removeFirst()
        if parts.first == "watch" || parts.first == "proxy", parts.count >= 2 {
            attributes.verb = parts.removeFirst()
        } else {
            switch method {
            case "POST": attributes.verb = "create"
            case "GET", "HEAD": attributes.verb = "get"
            case "PUT": attributes.verb = "update"
            case "PATCH": attributes.verb = "patch"
            case "DELETE": attributes.verb = "delete"
            default: attributes.verb = ""
            }
        }
        if parts.first == "namespaces", parts.count > 1 {
            attributes.namespace = parts[parts.startIndex + 1]
            if parts.count > 2, !["status", "finalize"].contains(parts[parts.startIndex + 2]) { parts = parts.dropFirst(2) }
        }
        let rest = Array(parts)
        if rest.count >= 3, attributes.verb != "proxy" { attributes.subresource = rest[2] }
        if rest.count >= 2 { attributes.name = rest[1] }
        if rest.count >= 1 { attributes.resource = rest[0] }
        if attributes.name.isEmpty, attributes.verb == "get" {
            attributes.verb = ["1", "true"].contains(query["watch"] ?? "") ? "watch" : "list"
            if let name = fieldSelectorName(query["fieldSelector"]) { attributes.name = name }
        }
        if attributes.name.isEmpty, attributes.verb == "watch", let name = fieldSelectorName(query["fieldSelector"]) { attributes.name = name }
        if attributes.name.isEmpty, attributes.verb == "delete" { attributes.verb = "deletecollection" }
        return attributes
    }

    /// `metadata.name=<x>` (or `==`) in a field selector names the object of a list or watch.
    private static func fieldSelectorName(_ selector: String?) -> String? {
        for term in (selector ?? "").split(separator: ",") {
            for separator in ["==", "="] {
                let pieces = term.components(separatedBy: separator)
                if pieces.count == 2, pieces[0].trimmingCharacters(in: .whitespaces) == "metadata.name" {
                    return pieces[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// The 403 Status kube-apiserver sends when the request itself is not authorized (transcript 106).
    static func forbidden(_ attributes: Attributes) -> APIError {
        guard attributes.isResourceRequest else {
            return APIError(code: 403, reason: "Forbidden",
                            message: "forbidden: User \"\(attributes.user)\" cannot \(attributes.verb) path \"\(attributes.path)\"", details: [:])
        }
        let resource = attributes.subresource.isEmpty ? attributes.resource : "\(attributes.resource)/\(attributes.subresource)"
        var message = "User \"\(attributes.user)\" cannot \(attributes.verb) resource \"\(resource)\" in API group \"\(attributes.apiGroup)\""
        message += attributes.namespace.isEmpty ? " at the cluster scope" : " in the namespace \"\(attributes.namespace)\""
        return forbiddenError(attributes, because: message)
    }

    /// The 403 of a server-side apply that would create the object without `create` permission:
    /// kube-apiserver's patch handler authorizes the create separately (`withAuthorization`) and
    /// reports only RBAC's reason, which is empty, so the message ends in "is forbidden: ".
    static func forbiddenCreateOnPatch(_ attributes: Attributes) -> APIError {
        forbiddenError(attributes, because: "")
    }

    private static func forbiddenError(_ attributes: Attributes, because reason: String) -> APIError {
        let qualified = attributes.apiGroup.isEmpty ? attributes.resource : "\(attributes.resource).\(attributes.apiGroup)"
        let subject = attributes.name.isEmpty ? qualified : "\(qualified) \"\(attributes.name)\""
        return APIError(code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(reason)",
                        details: APIError.details(name: attributes.name.isEmpty ? nil : attributes.name,
                                                  group: attributes.apiGroup, kind: attributes.resource))
    }
}
