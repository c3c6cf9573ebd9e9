/// The boundary the operator (flags, chart values — never the repository) sets for one instance:
/// which namespaces it may write into, which labels and annotations its Namespace manifests may
/// set, whether it may write cluster-scoped objects, and which instance it is. Enforced when the
/// repository is rendered, so every command (validate, plan, apply, run) refuses the same input.
public struct Scope: Sendable, Hashable {
    /// Namespaces reconcile never writes into unless the operator names them in `allowedNamespaces`.
    public static let protectedNamespaces: [String] = ["kube-system", "kube-public", "kube-node-lease", "istio-system", "aks-istio-system"]
    /// Namespace label keys a repository may set by default: sidecar injection and reconcile's own.
    public static let defaultNamespaceLabelKeys: [String] = [NamespaceInjection.injectionLabel, NamespaceInjection.revisionLabel, "reconcile.dev/*"]
    /// Namespace annotation keys a repository may set by default: reconcile's own.
    public static let defaultNamespaceAnnotationKeys: [String] = ["reconcile.dev/*"]

    /// Glob patterns (`*`, `?`) of the namespaces this instance may write into (`--namespaces`).
    public var namespaces: [String]
    /// Protected namespaces the operator lets this instance write into (`--allow-namespace`);
    /// a name listed here is allowed even outside `namespaces`.
    public var allowedNamespaces: Set<String>
    /// The controller's own namespace (`reconcile run --namespace`): protected like kube-system.
    public var ownNamespace: String?
    /// Label keys (exact, or a prefix ending in `/*` or `*`) Namespace manifests may set.
    public var namespaceLabelKeys: [String]
    /// Annotation keys Namespace manifests may set.
    public var namespaceAnnotationKeys: [String]
    /// Whether cluster-scoped kinds other than Namespace (GlobalNetworkPolicy, GlobalNetworkSet,
    /// Tier) may be written; nil: only when `namespaces` is the unrestricted `*`.
    public var clusterScoped: Bool?
    /// The instance this process is pinned to (`--instance`): a repository whose `name:` differs
    /// is refused, and one without `name:` takes this name.
    public var instance: String?

    public init(namespaces: [String] = ["*"], allowedNamespaces: Set<String> = [], ownNamespace: String? = nil,
                namespaceLabelKeys: [String] = Scope.defaultNamespaceLabelKeys,
                namespaceAnnotationKeys: [String] = Scope.defaultNamespaceAnnotationKeys,
                clusterScoped: Bool? = nil, instance: String? = nil) {
        self.namespaces = namespaces.isEmpty ? ["*"] : namespaces
        self.allowedNamespaces = allowedNamespaces
        self.ownNamespace = ownNamespace
        self.namespaceLabelKeys = namespaceLabelKeys
        self.namespaceAnnotationKeys = namespaceAnnotationKeys
        self.clusterScoped = clusterScoped
        self.instance = instance
    }

    /// No restriction beyond the protected namespaces (the default of every command).
    public static let unrestricted = Scope()

    /// Whether `namespaces` lets everything in (then cluster-scoped objects are allowed by default).
    public var isUnrestricted: Bool { namespaces.contains("*") }

    public var allowsClusterScoped: Bool { clusterScoped ?? isUnrestricted }

    public func isProtected(_ namespace: String) -> Bool {
        Scope.protectedNamespaces.contains(namespace) || namespace == ownNamespace
    }

    /// Why this instance may not write into `namespace`, or nil when it may.
    public func namespaceRefusal(_ namespace: String) -> String? {
        if allowedNamespaces.contains(namespace) { return nil }
        if isProtected(namespace) {
            let why = namespace == ownNamespace && !Scope.protectedNamespaces.contains(namespace)
                ? "it is the controller's own namespace" : "reconcile never writes there"
            return "namespace \(namespace) is protected: \(why) (allow it with --allow-namespace \(namespace))"
        }
        if namespaces.contains(where: { Wildcard.matches($0, namespace) }) { return nil }
        return "namespace \(namespace) is outside this instance's scope (--namespaces \(namespaces.joined(separator: ",")))"
    }

    /// Why a Namespace manifest may not set this label, or nil when it may.
    public func namespaceLabelRefusal(_ key: String) -> String? {
        if Scope.keyMatches(namespaceLabelKeys, key) || key == Tracking.managedByLabel { return nil }
        return "namespace label \(key) is not one reconcile may set (allowed: \(namespaceLabelKeys.joined(separator: ", ")); the operator can allow more with --allow-namespace-labels)"
    }

    /// Why a Namespace manifest may not set this annotation, or nil when it may.
    public func namespaceAnnotationRefusal(_ key: String) -> String? {
        if Scope.keyMatches(namespaceAnnotationKeys, key) { return nil }
        return "namespace annotation \(key) is not one reconcile may set (allowed: \(namespaceAnnotationKeys.joined(separator: ", ")); the operator can allow more with --allow-namespace-annotations)"
    }

    /// Why a cluster-scoped kind (other than Namespace) is refused, or nil.
    public func clusterScopedRefusal(kind: String) -> String? {
        if allowsClusterScoped { return nil }
        return "\(kind) is cluster-scoped and this instance may only write namespaced objects (--namespaces \(namespaces.joined(separator: ","))); the operator allows cluster-scoped objects with --cluster-scoped"
    }

    /// A key matches an entry that is the key itself, or a prefix ending in `*` (`reconcile.dev/*`).
    static func keyMatches(_ patterns: [String], _ key: String) -> Bool {
        patterns.contains { pattern in
            if pattern.hasSuffix("*") { return key.hasPrefix(pattern.dropLast()) }
            return pattern == key
        }
    }
}
