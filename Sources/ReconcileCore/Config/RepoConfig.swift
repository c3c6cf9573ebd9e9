public import YAML

/// `reconcile.yaml`: the helmfile-style description of a config repository — its bundles of
/// manifests, environments of values, and the namespaces' desired sidecar injection.
public struct RepoConfig: Sendable {
    /// The ceiling on `restart.timeout`, in seconds.
    public static let maxRestartTimeout: Double = 3600

    public static let fileName = "reconcile.yaml"

    public struct Bundle: Sendable {
        public var name: String
        /// Directories (recursive) or globs, relative to the repository root.
        public var paths: [String]
        public var namespace: String?
        public var labels: [String: String]
        public var needs: [String]
        public var mark: Mark?
    }

    public struct Environment: Sendable {
        public var name: String
        public var values: [String: String]
    }

    public struct NamespaceSetting: Sendable {
        public var name: String
        public var injection: NamespaceInjection
        public var mark: Mark?
    }

    public struct Restart: Sendable {
        public var enabled = true
        public var maxConcurrent = 1
        /// Per workload, in seconds.
        public var timeout: Double = 600
    }

    public enum DriftMode: String, Sendable { case correct, report }

    /// The instance name; nil means "the repository's base name".
    public var name: String?
    /// Where `name:` is written, for the instance-pinning error.
    public var nameMark: Mark?
    public var values: [String: String] = [:]
    public var environments: [Environment] = []
    public var bundles: [Bundle] = []
    public var namespaces: [NamespaceSetting] = []
    public var restart = Restart()
    public var prune = true
    public var drift: DriftMode = .correct
    /// Server-side apply `force`: take fields over from other managers.
    public var force = false
    /// Extra policy files or directories (repo-relative) for guardrail checks.
    public var policies: [String] = []
    /// Files (paths, directories or globs) that are deliberately not manifests: no warning that
    /// no bundle selects them.
    public var ignore: [String] = []
    /// Where the config came from, for messages; nil when there is no reconcile.yaml.
    public var file: String?

    public init() {}

    /// The config used when a repository has no `reconcile.yaml`: every manifest is one bundle.
    public static var implicit: RepoConfig {
        var config = RepoConfig()
        config.bundles = [Bundle(name: "default", paths: ["."], namespace: nil, labels: [:], needs: [], mark: nil)]
        return config
    }

    public func environment(named name: String) -> Environment? { environments.first { $0.name == name } }
    public func bundle(named name: String) -> Bundle? { bundles.first { $0.name == name } }
}
