public import YAML

/// The result of planning: every change in the order it will be applied, the workloads to
/// restart, and the findings. It is what `plan` prints and what `apply` carries out.
public struct Plan: Sendable {
    public enum Mode: String, Sendable, Codable {
        /// Desired state at one commit against another (the pull-request view).
        case base
        /// Desired state against an exported cluster snapshot.
        case snapshot
        /// Desired state against a live cluster.
        case live
    }

    public var mode: Mode
    public var instance: String
    public var environment: String?
    /// The revision planned (commit id, or "working tree").
    public var revision: String?
    public var baseRevision: String?
    public var changes: [PlannedChange]
    public var restarts: [PlannedRestart]
    public var manualRestarts: [ManualRestart]
    /// Namespaces whose sidecar injection changes, with before and after.
    public var injectionChanges: [InjectionChange]
    public var findings: [Finding]
    /// Objects that compare equal (no request needed).
    public var unchanged: Int
    /// Settings from reconcile.yaml that apply needs.
    public var settings = ApplySettings()
    /// The cluster a saved live plan was made against (`SavedPlanCheck`).
    public var cluster: ClusterBinding?
    /// The head's signature verdicts when the operator asked for `--verify-commits` (empty otherwise).
    public var signatures: [SignatureStatus] = []

    public init(mode: Mode, instance: String, environment: String?) {
        self.mode = mode
        self.instance = instance
        self.environment = environment
        self.changes = []
        self.restarts = []
        self.manualRestarts = []
        self.injectionChanges = []
        self.findings = []
        self.unchanged = 0
    }

    public var hasChanges: Bool {
        changes.contains { $0.blocked == nil } || !restarts.isEmpty
    }

    public func count(_ action: PlannedChange.Action) -> Int {
        changes.filter { $0.action == action && $0.blocked == nil }.count
    }

    public var hasErrors: Bool { findings.contains { $0.severity == .error } }
}

/// One object's change.
public struct PlannedChange: Sendable {
    public enum Action: String, Sendable, Codable {
        case create, update, delete
    }

    public var key: ObjectKey
    public var apiVersion: String
    public var action: Action
    public var bundle: String?
    public var source: SourceLocation?
    /// The 1-based step in the apply order.
    public var step: Int = 0
    /// Why this change happens, when it is not the obvious one (drift, prune, namespace label).
    public var reason: String?
    /// Field paths that differ (updates), for summaries and drift events.
    public var changedFields: [String] = []
    public var removedFields: [String] = []
    /// Unified diff of the object as YAML (live → result), noise fields stripped.
    public var diff: String
    /// Set when the change will not be carried out (prune guard, conflict); the plan says why.
    public var blocked: String?
    /// What apply sends (server-side apply body); nil for deletes.
    public var body: Node?
    /// The live resourceVersion planned against; apply refuses if it moved.
    public var liveResourceVersion: String?
    public var liveUID: String?
    /// The live object planned against (for deletes and updates).
    public var liveBody: Node?
    /// DestinationRule subsets this change drops (they are dropped after the routes stop using them).
    public var subsetsRemoved: [String] = []
    /// Namespace label-only patches (the `namespaces:` shorthand) must not create the namespace.
    public var labelsOnly: Bool = false
    /// The live object's fields are (partly) owned by the legacy shared field manager: apply
    /// first moves that ownership to the instance's manager (`FieldManagerMigration`).
    public var migratesFieldManager: Bool = false

    public init(key: ObjectKey, apiVersion: String, action: Action, bundle: String?, source: SourceLocation?, diff: String) {
        self.key = key
        self.apiVersion = apiVersion
        self.action = action
        self.bundle = bundle
        self.source = source
        self.diff = diff
    }
}

/// A namespace whose sidecar injection changes.
public struct InjectionChange: Sendable, Codable, Hashable {
    public var namespace: String
    public var from: NamespaceInjection?
    public var to: NamespaceInjection?
    public var source: SourceLocation?
}

/// A problem or risk found while planning. `error` findings block apply.
public struct Finding: Sendable, Codable, Hashable {
    public enum Severity: String, Sendable, Codable, Comparable {
        case info, warning, error
        public static func < (a: Severity, b: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public var code: String
    public var severity: Severity
    public var message: String
    public var object: ObjectKey?
    public var source: SourceLocation?
    public var hint: String?

    public init(code: String, severity: Severity, message: String, object: ObjectKey? = nil, source: SourceLocation? = nil, hint: String? = nil) {
        self.code = code
        self.severity = severity
        self.message = message
        self.object = object
        self.source = source
        self.hint = hint
    }
}
