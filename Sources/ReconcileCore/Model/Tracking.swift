public import YAML

/// The labels and annotation that mark an object as reconcile's, so prune and drift only ever
/// touch objects this instance created (as Flux's inventory and Argo CD's tracking label do).
public enum Tracking {
    public static let managedByLabel = "app.kubernetes.io/managed-by"
    public static let managedByValue = "reconcile"
    public static let instanceLabel = "reconcile.dev/instance"
    public static let bundleLabel = "reconcile.dev/bundle"
    /// A repo-relative path, never a commit: a new commit must not touch every object.
    public static let sourceAnnotation = "reconcile.dev/source"
    /// `disabled` keeps an object out of pruning.
    public static let pruneAnnotation = "reconcile.dev/prune"
    /// `disabled` on a Deployment/StatefulSet/DaemonSet keeps reconcile from restarting it.
    public static let restartAnnotation = "reconcile.dev/restart"
    /// The field manager every instance shared before managers were per instance. Objects an
    /// instance tracks are migrated away from it (`FieldManagerMigration`); shared Namespaces keep
    /// it, because its fields may belong to several instances.
    public static let legacyFieldManager = "reconcile"

    /// The field manager of one instance's server-side applies: per instance, so two instances
    /// that label the same Namespace each own only their own labels and never remove the other's.
    public static func fieldManager(instance: String) -> String { "reconcile/\(instance)" }

    /// The managers whose Apply ownership is this instance's: its own, plus the legacy shared
    /// one for objects it tracks (only it can have applied them).
    public static func managers(instance: String, includingLegacy: Bool) -> [String] {
        includingLegacy ? [fieldManager(instance: instance), legacyFieldManager] : [fieldManager(instance: instance)]
    }

    /// Whether a manager's writes are this instance's own (not out-of-band drift).
    public static func isOwnManager(_ manager: String, instance: String) -> Bool {
        manager == fieldManager(instance: instance) || manager == legacyFieldManager
    }

    /// Adds the tracking labels and source annotation to a desired object.
    public static func stamp(_ body: inout Node, instance: String, bundle: String, sourcePath: String) {
        body.set(Node(.string(managedByValue)), at: ["metadata", "labels", managedByLabel])
        body.set(Node(.string(instance)), at: ["metadata", "labels", instanceLabel])
        body.set(Node(.string(bundle)), at: ["metadata", "labels", bundleLabel])
        body.set(Node(.string(sourcePath)), at: ["metadata", "annotations", sourceAnnotation])
    }

    /// The instance that tracks a live object, if any reconcile instance does.
    public static func instance<Tree: FieldTree>(of object: Tree) -> String? {
        // Read in place (not through `labels`): the planner asks this of every live object.
        guard let labels = object["metadata"]?["labels"], labels[managedByLabel]?.string == managedByValue else { return nil }
        return labels[instanceLabel]?.string
    }
}
