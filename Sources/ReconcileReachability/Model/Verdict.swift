/// Whether traffic gets through.
public enum Outcome: String, Sendable, Hashable {
    case allowed, denied, unknown
}

/// The policy (and the part of it) that decided a verdict, or "no policy" for a default.
public struct RuleRef: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// `NetworkPolicy`, `GlobalNetworkPolicy`, `PeerAuthentication`, `AuthorizationPolicy`...;
    /// empty for a default (no policy selects the workload).
    public var kind: String
    /// `networking.k8s.io`, `projectcalico.org`, `security.istio.io`.
    public var group: String
    public var namespace: String
    public var name: String
    /// Which part decided: `ingress rule 2`, `mtls STRICT`, `no ingress rule matches`...
    public var detail: String

    public init(kind: String, group: String, namespace: String, name: String, detail: String) {
        self.kind = kind
        self.group = group
        self.namespace = namespace
        self.name = name
        self.detail = detail
    }

    /// The default when no policy of a layer applies.
    public static func none(_ detail: String) -> RuleRef { RuleRef(kind: "", group: "", namespace: "", name: "", detail: detail) }

    public var isDefault: Bool { kind.isEmpty }

    public var object: String {
        if kind.isEmpty { return "" }
        let calico = group == "projectcalico.org" && kind == "NetworkPolicy" ? "Calico " : ""
        return namespace.isEmpty ? "\(calico)\(kind) \(name)" : "\(calico)\(kind) \(namespace)/\(name)"
    }

    public var description: String { kind.isEmpty ? detail : "\(object): \(detail)" }

    public static func < (a: RuleRef, b: RuleRef) -> Bool { a.description < b.description }
}

/// Where a verdict was decided on the data path.
public enum Layer: String, Sendable, Hashable {
    /// Kubernetes NetworkPolicy and Calico, at L3/L4, source egress then destination ingress.
    case network
    /// Istio at the destination's sidecar: PeerAuthentication, then AuthorizationPolicy.
    case mesh
}

/// The verdict for one (source, destination, port): the outcome, the layer and rule that
/// decided it, and, for an allowed pair only some requests of which pass (Istio HTTP
/// conditions), those conditions.
public struct Verdict: Hashable, Sendable, CustomStringConvertible {
    public var outcome: Outcome
    public var layer: Layer
    public var rule: RuleRef
    public var conditions: [String]

    public init(_ outcome: Outcome, _ layer: Layer, _ rule: RuleRef, conditions: [String] = []) {
        self.outcome = outcome
        self.layer = layer
        self.rule = rule
        self.conditions = conditions
    }

    public var description: String {
        var text = "\(outcome.rawValue) by \(rule)"
        if !conditions.isEmpty { text += " (only requests where \(conditions.joined(separator: "; ")))" }
        return text
    }
}

/// A three-valued match, with the conditions under which it holds (HTTP attributes a static
/// model cannot decide but can name) or why it cannot be known.
enum Match: Sendable, Equatable {
    case yes
    case no
    /// Matches only requests with these attributes (Istio methods, paths, hosts, headers).
    case conditional([String])
    case unknown(String)

    static func all(_ parts: [Match]) -> Match {
        var conditions: [String] = []
        var unknown: String?
        for part in parts {
            switch part {
            case .no: return .no
            case .unknown(let why): unknown = unknown ?? why
            case .conditional(let c): conditions += c
            case .yes: break
            }
        }
        if let unknown { return .unknown(unknown) }
        return conditions.isEmpty ? .yes : .conditional(conditions)
    }

    /// Any of `parts`; an empty list matches nothing.
    static func any(_ parts: [Match]) -> Match {
        var conditional: [String]?
        var unknown: String?
        for part in parts {
            switch part {
            case .yes: return .yes
            case .no: break
            case .unknown(let why): unknown = unknown ?? why
            case .conditional(let c): conditional = (conditional ?? []) + [c.joined(separator: " and ")]
            }
        }
        if let unknown { return .unknown(unknown) }
        if let conditional { return .conditional(conditional.count == 1 ? conditional : [conditional.joined(separator: " or ")]) }
        return .no
    }

    static func from(_ value: Bool) -> Match { value ? .yes : .no }
}
