public import YAML

/// Fields that never appear in a diff: what the server writes for its own bookkeeping.
public enum NoiseFields {
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// The object as a reviewer should compare it.
    public static func strip(_ object: Node) -> Node {
        var node = object
        node["status"] = nil
        for field in ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"] {
            node.remove(at: ["metadata", field])
        }
        node.remove(at: ["metadata", "annotations", lastAppliedAnnotation])
        if let annotations = node[path: ["metadata", "annotations"]], annotations.entries?.isEmpty == true {
            node.remove(at: ["metadata", "annotations"])
        }
        return node
    }
}
