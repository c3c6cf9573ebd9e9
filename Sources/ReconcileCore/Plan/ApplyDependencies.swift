/// Which changes must not run when another fails: objects in a namespace whose change failed,
/// objects of bundles that need a failed bundle, and VirtualServices whose DestinationRule (same
/// namespace) failed — so one failure stops what depends on it and nothing else.
public struct ApplyDependencies: Sendable {
    public var bundleNeeds: [String: [String]]

    public init(config: RepoConfig) {
        bundleNeeds = Dictionary(config.bundles.map { ($0.name, $0.needs) }, uniquingKeysWith: { a, _ in a })
    }

    public init(bundleNeeds: [String: [String]]) {
        self.bundleNeeds = bundleNeeds
    }

    /// Whether `change` depends on `failed` (directly or through bundle needs).
    public func change(_ change: PlannedChange, dependsOn failed: PlannedChange) -> Bool {
        guard change.key != failed.key else { return false }
        if failed.key.group.isEmpty && failed.key.kind == "Namespace" && change.key.namespace == failed.key.name && failed.action != .delete {
            return true
        }
        if let bundle = change.bundle, let failedBundle = failed.bundle, bundle != failedBundle, needs(bundle, failedBundle) {
            return true
        }
        if failed.key.group == "projectcalico.org" && failed.key.kind == "Tier",
            change.key.group == "projectcalico.org", (change.body?[path: ["spec", "tier"]]?.string) == failed.key.name {
            return true
        }
        if failed.key.kind == "DestinationRule" && change.key.kind == "VirtualService"
            && failed.key.namespace == change.key.namespace && failed.action != .delete && change.step > failed.step {
            return true
        }
        return false
    }

    private func needs(_ bundle: String, _ other: String) -> Bool {
        var seen: Set<String> = []
        var queue = bundleNeeds[bundle] ?? []
        while let next = queue.popLast() {
            if next == other { return true }
            if seen.insert(next).inserted { queue += bundleNeeds[next] ?? [] }
        }
        return false
    }
}
