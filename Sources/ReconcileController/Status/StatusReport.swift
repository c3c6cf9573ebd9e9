import Foundation
import Kube
import YAML

/// The result of the last pass, written by the leader into the ConfigMap `reconcile-status`
/// in the controller's namespace (`kubectl get cm reconcile-status -o yaml` shows it).
public struct StatusReport: Sendable, Equatable {
    public enum Result: String, Sendable { case success, failed, blocked }

    public static let configMapName = "reconcile-status"
    public static let fieldManager = "reconcile-status"

    public var revision: String
    public var lastRunTime: Date
    public var result: Result
    public var applied = 0
    public var pruned = 0
    public var unchanged = 0
    public var restarted = 0
    public var errors: [String] = []
    public var lastGoodRevision: String?
    /// The revision drift is corrected to: the last one applied (a blocked one never is).
    public var driftTarget: String?
    public var fetchError: String?
    /// Why the latest fetched commit was refused by the signature policy (nil when it verified).
    public var verificationError: String?

    public init(revision: String, lastRunTime: Date, result: Result) {
        self.revision = revision
        self.lastRunTime = lastRunTime
        self.result = result
    }

    public func configMap(namespace: String) -> Node {
        let data: [String: Node] = [
            "revision": .string(revision),
            "lastRunTime": .string(KubeTime.format(lastRunTime)),
            "result": .string(result.rawValue),
            "applied": .string(String(applied)),
            "pruned": .string(String(pruned)),
            "unchanged": .string(String(unchanged)),
            "restarted": .string(String(restarted)),
            "errors": .string(String(errors.joined(separator: "\n").prefix(8192))),
            "lastGoodRevision": .string(lastGoodRevision ?? ""),
            "driftTarget": .string(driftTarget ?? ""),
            "fetchError": .string(String((fetchError ?? "").prefix(2048))),
            "verificationError": .string(String((verificationError ?? "").prefix(2048))),
        ]
        return [
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": [
                "name": .string(Self.configMapName),
                "namespace": .string(namespace),
                "labels": ["app.kubernetes.io/name": "reconcile", "app.kubernetes.io/component": "status"],
            ],
            "data": .mapping(data.sorted { $0.key < $1.key }.map { Node.Entry(key: $0.key, value: $0.value) }),
        ]
    }

    /// Server-side apply with its own field manager, so the status never counts as a managed object.
    public func write(to cluster: any ControllerCluster, namespace: String) async throws {
        _ = try await cluster.apply(configMap(namespace: namespace), fieldManager: Self.fieldManager, force: true, dryRun: false)
    }
}
