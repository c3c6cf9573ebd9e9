public import JSON
public import YAML

/// Whether a pod has (or would get) an Istio sidecar, and from which control-plane revision.
public struct PodInjection: Hashable, Sendable, Codable, CustomStringConvertible {
    public var injected: Bool
    /// The revision; nil for "the default revision" (`istio-injection=enabled`), whichever that is.
    public var revision: String?

    public init(injected: Bool, revision: String? = nil) {
        self.injected = injected
        self.revision = injected ? revision : nil
    }

    public static let none = PodInjection(injected: false)

    public static let statusAnnotation = "sidecar.istio.io/status"
    public static let injectLabel = "sidecar.istio.io/inject"

    public var description: String {
        guard injected else { return "not injected" }
        return revision.map { "injected (\($0))" } ?? "injected (default revision)"
    }

    /// Whether a pod with `self` must restart to get `wanted`. "Default revision" matches any
    /// revision, since which revision the default tag points at is not known from labels.
    public func needsRestart(toGet wanted: PodInjection) -> Bool {
        if injected != wanted.injected { return true }
        guard injected, let want = wanted.revision, let have = revision else { return false }
        return want != have
    }

    /// What a running pod has: Istio writes `sidecar.istio.io/status` on every pod it injects
    /// (with native sidecars `istio-proxy` is an init container, so the annotation is the truth),
    /// and the revision is the pod's `istio.io/rev` label, else the annotation's `revision`.
    public static func running(pod: Node) -> PodInjection {
        guard let status = pod.annotations[statusAnnotation] else { return .none }
        var revision = pod.labels[NamespaceInjection.revisionLabel]
        if revision == nil, let parsed = try? Node(json: Array(status.utf8)) {
            revision = parsed["revision"]?.string
        }
        return PodInjection(injected: true, revision: revision == "default" ? nil : revision)
    }

    /// What a new pod from `template` (its labels and annotations) would get in a namespace with
    /// `namespaceLabels`, following Istio's injection webhooks: the pod's
    /// `sidecar.istio.io/inject` label (or legacy annotation) overrides the namespace; on the
    /// namespace `istio-injection` takes precedence over `istio.io/rev`; without namespace labels a
    /// pod's own `istio.io/rev` label selects a revision.
    public static func wanted(templateLabels: [String: String], templateAnnotations: [String: String],
                              namespaceLabels: [String: String]) -> PodInjection {
        let podSwitch = templateLabels[injectLabel] ?? templateAnnotations[injectLabel]
        if podSwitch == "false" { return .none }
        if let namespaceInjection = NamespaceInjection(labels: namespaceLabels) {
            switch namespaceInjection {
            case .enabled: return PodInjection(injected: true, revision: nil)
            case .disabled: return .none
            case .revision(let r): return PodInjection(injected: true, revision: templateLabels[NamespaceInjection.revisionLabel] ?? r)
            }
        }
        if let revision = templateLabels[NamespaceInjection.revisionLabel] { return PodInjection(injected: true, revision: revision) }
        if podSwitch == "true" { return PodInjection(injected: true, revision: nil) }
        return .none
    }
}
