import ReconcileCore

/// The policies in force: the shipped defaults, with repository policies added; a repository
/// policy with the same `metadata.name` as a shipped one replaces it (`spec.rules: []` turns it off).
public enum PolicySet {
    public static func effective(repo: [Policy]) -> [Policy] {
        let names = Set(repo.map(\.name))
        return ShippedPolicies.parsed.filter { !names.contains($0.name) } + repo
    }
}
