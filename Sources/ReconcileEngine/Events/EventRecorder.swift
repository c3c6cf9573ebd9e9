import Foundation
import Kube
import ReconcileCore
import YAML

/// Writes events.k8s.io/v1 Events about the objects reconcile touched, so cluster users see in
/// `kubectl events` what happened and why. Every event goes through `record`, which sets the
/// reporting controller, instance, revision and time in one place.
public struct EventRecorder: Sendable {
    public static let controller = "reconcile.dev/reconcile"

    public var cluster: any ClusterAPI
    /// The pod or host name that reports (`reportingInstance`).
    public var instance: String
    /// The config revision applied, appended to every note.
    public var revision: String?
    public var now: @Sendable () -> Date
    /// Per-pass limit on success events (`EventAggregation`); nil records every one.
    public var aggregation: EventAggregation?

    /// The manager of the event-series patches: Events are reconcile's own objects, not shared.
    static let fieldManager = "reconcile"

    public init(cluster: any ClusterAPI, instance: String = ProcessInfo.processInfo.hostName, revision: String? = nil,
                aggregation: EventAggregation? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.cluster = cluster
        self.aggregation = aggregation
        self.instance = String(instance.prefix(128))
        self.revision = revision
        self.now = now
    }

    public enum Reason: String, Sendable {
        case applied = "Applied", pruned = "Pruned", restarted = "Restarted", applyFailed = "ApplyFailed"
        case restartFailed = "RestartFailed", driftDetected = "DriftDetected", driftCorrected = "DriftCorrected"
        /// A fetched commit failed the signature policy (`--verify-commits`) and was not applied.
        case verificationFailed = "VerificationFailed"

        var type: String {
            switch self {
            case .applied, .pruned, .restarted, .driftCorrected: return "Normal"
            case .applyFailed, .restartFailed, .driftDetected, .verificationFailed: return "Warning"
            }
        }

        var action: String {
            switch self {
            case .applied, .applyFailed, .driftCorrected: return "Apply"
            case .pruned: return "Prune"
            case .restarted, .restartFailed: return "Restart"
            case .driftDetected: return "Detect"
            case .verificationFailed: return "Verify"
            }
        }
    }

    /// Records one event about `object`; failures to record are returned, never thrown, so an
    /// event never fails an apply.
    @discardableResult
    public func record(_ reason: Reason, regarding key: ObjectKey, apiVersion: String, uid: String? = nil, note: String,
                       aggregated: Bool = true) async -> (any Error)? {
        if aggregated, reason == .applied || reason == .pruned, let aggregation, !aggregation.admit(reason) { return nil }
        var fullNote = note
        if let revision { fullNote += " (revision \(revision))" }
        let event = Self.event(reason: reason, regarding: key, apiVersion: apiVersion, uid: uid, note: String(fullNote.prefix(1024)),
                               instance: instance, time: now())
        do {
            _ = try await cluster.createEvent(event)
            return nil
        } catch {
            return error
        }
    }

    /// Records one event and returns it as stored (its name is what a repeat's `series` update
    /// patches); throws when it could not be recorded.
    public func recordReturning(_ reason: Reason, regarding key: ObjectKey, apiVersion: String, uid: String? = nil, note: String) async throws -> Node {
        var fullNote = note
        if let revision { fullNote += " (revision \(revision))" }
        let event = Self.event(reason: reason, regarding: key, apiVersion: apiVersion, uid: uid, note: String(fullNote.prefix(1024)),
                               instance: instance, time: now())
        return try await cluster.createEvent(event)
    }

    /// A repeat of an event already recorded: counted in its events.k8s.io/v1 `series`
    /// (count, lastObservedTime) with a merge patch, rather than a new event each time.
    public func recordRepeat(eventName: String, namespace: String, count: Int) async throws {
        let ref = ObjectReference(apiVersion: "events.k8s.io/v1", kind: "Event", namespace: namespace, name: eventName)
        let patch: Node = ["series": ["count": Node(.int(count)), "lastObservedTime": .string(Self.microTime(now()))]]
        _ = try await cluster.mergePatch(ref, patch: patch, fieldManager: Self.fieldManager)
    }

    static func event(reason: Reason, regarding key: ObjectKey, apiVersion: String, uid: String?, note: String, instance: String, time: Date) -> Node {
        let suffix = String(UInt64(time.timeIntervalSince1970 * 1_000_000), radix: 16) + String(UInt32.random(in: 0...0xffff), radix: 16)
        var regarding = Node.object(["apiVersion": .string(apiVersion), "kind": .string(key.kind), "name": .string(key.name)])
        if !key.namespace.isEmpty { regarding["namespace"] = .string(key.namespace) }
        if let uid { regarding["uid"] = .string(uid) }
        return Node.object([
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": Node.object(["name": .string("\(key.name).\(suffix)"), "namespace": .string(key.namespace.isEmpty ? "default" : key.namespace)]),
            "eventTime": .string(microTime(time)),
            "reportingController": .string(controller),
            "reportingInstance": .string(instance),
            "action": .string(reason.action),
            "reason": .string(reason.rawValue),
            "type": .string(reason.type),
            "note": .string(note),
            "regarding": regarding,
        ])
    }

    /// `metav1.MicroTime`: RFC 3339 with microseconds, UTC.
    static func microTime(_ date: Date) -> String { KubeTime.microTime(date) }
}
