import ArgumentParser
import ReconcileCore

/// The operator's boundary for one instance (never set by the repository): the namespaces it may
/// write into, the Namespace labels and annotations it may set, cluster-scoped objects, and the
/// instance it is pinned to. A group of its own in validate, plan, apply and run (beside, not in,
/// `RepoOptions`: see there why).
struct ScopeOptions: ParsableArguments {
    static let title = "Scope (set by the operator, never by the repository)"

    @Option(help: ArgumentHelp("Namespaces this instance may write into: glob patterns (team-a-*), comma-separated or repeated. Default: * (any namespace that is not protected).",
                               valueName: "patterns"))
    var namespaces: [String] = []

    @Option(help: ArgumentHelp("Let this instance write into a protected namespace (\(Scope.protectedNamespaces.joined(separator: ", ")), the controller's own), comma-separated or repeated.",
                               valueName: "namespace"))
    var allowNamespace: [String] = []

    @Option(help: ArgumentHelp("More label keys Namespace manifests may set (key or prefix/*), comma-separated or repeated. Always allowed: \(Scope.defaultNamespaceLabelKeys.joined(separator: ", ")).",
                               valueName: "keys"))
    var allowNamespaceLabels: [String] = []

    @Option(help: ArgumentHelp("More annotation keys Namespace manifests may set (key or prefix/*), comma-separated or repeated. Always allowed: \(Scope.defaultNamespaceAnnotationKeys.joined(separator: ", ")).",
                               valueName: "keys"))
    var allowNamespaceAnnotations: [String] = []

    @Flag(inversion: .prefixedNo,
          help: "Whether cluster-scoped kinds (GlobalNetworkPolicy, GlobalNetworkSet, Tier) may be written. Default: allowed when --namespaces is *, refused otherwise.")
    var clusterScoped: Bool?

    @Option(help: "Pin this process to an instance: a repository whose reconcile.yaml `name:` differs is refused; one without `name:` takes this name.")
    var instance: String?

    func validate() throws {
        for pattern in Self.split(namespaces) where !pattern.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "*" || $0 == "?" }) {
            throw ValidationError("--namespaces: \"\(pattern)\" is not a namespace pattern (lowercase letters, digits, '-', '*' and '?')")
        }
        if let instance, !Self.isLabel(instance) {
            throw ValidationError("--instance must be a DNS label (lowercase letters, digits and '-', at most 63 characters), got \(instance)")
        }
    }

    /// The scope these flags describe; `ownNamespace` is the controller's namespace for `run`.
    func scope(ownNamespace: String? = nil) -> Scope {
        Scope(namespaces: Self.split(namespaces), allowedNamespaces: Set(Self.split(allowNamespace)), ownNamespace: ownNamespace,
              namespaceLabelKeys: Scope.defaultNamespaceLabelKeys + Self.split(allowNamespaceLabels),
              namespaceAnnotationKeys: Scope.defaultNamespaceAnnotationKeys + Self.split(allowNamespaceAnnotations),
              clusterScoped: clusterScoped, instance: instance)
    }

    static func split(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { String($0).trimmingWhitespaceAndNewlines() }.filter { !$0.isEmpty }
    }

    static func isLabel(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63 && text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
            && text.first != "-" && text.last != "-"
    }
}

/// Prints the warning for files no bundle selects (stderr: stdout holds the plan).
func warnUnselectedFiles(_ files: [String], console: Console = .current) {
    for file in files {
        console.err("warning: \(file): no bundle's path selects this file, so it is ignored (add it to a bundle's path, or list it under ignore: in reconcile.yaml)\n")
    }
}
