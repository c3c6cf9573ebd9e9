public import YAML

/// What the config repository asks for, rendered for one environment: the objects keyed by
/// identity, the namespaces' injection, and the bundle order. The input to every plan.
public struct DesiredState: Sendable {
    public var config: RepoConfig
    /// The instance name written into `reconcile.dev/instance`.
    public var instance: String
    public var environment: String?
    public var objects: [ManifestObject]
    public var index: [ObjectKey: Int]
    /// Injection per namespace, from `namespaces:` and from Namespace manifests' labels.
    public var namespaceInjection: [String: DesiredInjection]
    /// Bundles in apply order (after `needs`), restricted to the selected ones.
    public var bundleOrder: [String]
    /// The selector the state was rendered with; prune only considers objects of selected bundles.
    public var selector: LabelSelector?
    /// Guardrail policies from the repository's `policies:` setting (the shipped defaults are
    /// added when findings are computed; see `PolicySet`).
    public var policies: [Policy] = []
    /// Manifest candidates (`*.yaml`) that no bundle selects: ignored, and warned about.
    public var unselectedFiles: [String] = []

    public init(config: RepoConfig, instance: String, environment: String?, objects: [ManifestObject],
                namespaceInjection: [String: DesiredInjection], bundleOrder: [String], selector: LabelSelector?) {
        self.init(config: config, instance: instance, environment: environment, objects: objects,
                  index: Dictionary(uniqueKeysWithValues: objects.enumerated().map { ($1.key, $0) }),
                  namespaceInjection: namespaceInjection, bundleOrder: bundleOrder, selector: selector)
    }

    /// With the index the renderer built while it checked for duplicates.
    init(config: RepoConfig, instance: String, environment: String?, objects: [ManifestObject], index: [ObjectKey: Int],
         namespaceInjection: [String: DesiredInjection], bundleOrder: [String], selector: LabelSelector?) {
        self.config = config
        self.instance = instance
        self.environment = environment
        self.objects = objects
        self.index = index
        self.namespaceInjection = namespaceInjection
        self.bundleOrder = bundleOrder
        self.selector = selector
    }

    public subscript(key: ObjectKey) -> ManifestObject? { index[key].map { objects[$0] } }

    /// Whether a tracked live object belongs to the bundles this render covers.
    public func covers(bundle: String?) -> Bool {
        guard selector != nil else { return true }
        guard let bundle else { return false }
        return bundleOrder.contains(bundle)
    }
}

/// A namespace's desired injection and where it was declared.
public struct DesiredInjection: Sendable, Hashable {
    public var injection: NamespaceInjection
    public var source: SourceLocation
    /// True when a Namespace manifest declares it (the namespace is created when missing); false
    /// for the `namespaces:` shorthand (existing namespaces are only labelled).
    public var fromManifest: Bool
}
