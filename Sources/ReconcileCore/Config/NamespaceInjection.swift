/// The sidecar injection a namespace should have, as written in `reconcile.yaml`'s
/// `namespaces:` block or implied by a Namespace manifest's labels.
public enum NamespaceInjection: Hashable, Sendable, CustomStringConvertible, Codable {
    /// `istio-injection=enabled` (the default revision's webhook).
    case enabled
    /// `istio-injection=disabled`.
    case disabled
    /// `istio.io/rev=<revision>` (revisioned control planes, the AKS add-on).
    case revision(String)

    public static let injectionLabel = "istio-injection"
    public static let revisionLabel = "istio.io/rev"

    /// The namespace labels that express this injection.
    public var labels: [String: String] {
        switch self {
        case .enabled: return [Self.injectionLabel: "enabled"]
        case .disabled: return [Self.injectionLabel: "disabled"]
        case .revision(let r): return [Self.revisionLabel: r]
        }
    }

    /// The injection a namespace's labels select, following Istio's webhooks: `istio-injection`
    /// takes precedence over `istio.io/rev`; nil when neither label is set.
    public init?(labels: [String: String]) {
        if let value = labels[Self.injectionLabel] {
            self = value == "enabled" ? .enabled : .disabled
        } else if let revision = labels[Self.revisionLabel] {
            self = .revision(revision)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .enabled: return "istio-injection=enabled"
        case .disabled: return "istio-injection=disabled"
        case .revision(let r): return "istio.io/rev=\(r)"
        }
    }
}
