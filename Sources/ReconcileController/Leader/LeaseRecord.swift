import Foundation
import Kube
import ReconcileCore
import YAML

/// The leader-election fields of a coordination.k8s.io/v1 Lease and the pure transitions
/// between them (acquire, renew, release). Times are `metav1.MicroTime`. Equality is what the
/// elector's observation compares: any renewal changes the record (see `renewed`), annotations
/// and the resourceVersion are not part of it. No method compares these times with a local
/// clock: when a record expires is judged on when it was observed (`LeaderElector`).
public struct LeaseRecord: Sendable, Equatable {
    public var holder: String?
    public var durationSeconds: Int
    public var acquireTime: Date?
    public var renewTime: Date?
    public var transitions: Int

    public init(_ lease: Node) {
        let spec = lease["spec"]
        let holder = spec?["holderIdentity"]?.string
        self.holder = holder?.isEmpty == true ? nil : holder
        durationSeconds = spec?["leaseDurationSeconds"]?.int ?? 15
        acquireTime = spec?["acquireTime"]?.string.flatMap(Self.parseMicroTime)
        renewTime = spec?["renewTime"]?.string.flatMap(Self.parseMicroTime)
        transitions = spec?["leaseTransitions"]?.int ?? 0
    }

    public static func newLease(namespace: String, name: String, holder: String, at time: Date, durationSeconds: Int) -> Node {
        [
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": [
                "holderIdentity": .string(holder),
                "leaseDurationSeconds": Node(.int(durationSeconds)),
                "acquireTime": .string(microTime(time)),
                "renewTime": .string(microTime(time)),
                "leaseTransitions": Node(.int(0)),
            ],
        ]
    }

    /// `lease` taken over by `holder` (the resourceVersion read stays: optimistic concurrency).
    public func acquired(_ lease: Node, by holder: String, at time: Date, durationSeconds: Int) -> Node {
        var updated = lease
        updated.set(.string(holder), at: ["spec", "holderIdentity"])
        updated.set(Node(.int(durationSeconds)), at: ["spec", "leaseDurationSeconds"])
        updated.set(.string(Self.microTime(time)), at: ["spec", "acquireTime"])
        updated.set(.string(Self.microTime(time)), at: ["spec", "renewTime"])
        updated.set(Node(.int(self.holder == holder ? transitions : transitions + 1)), at: ["spec", "leaseTransitions"])
        return Self.stamped(updated)
    }

    /// The renewTime always changes, even if the wall clock did not move (or went back to the
    /// same microsecond): the others tell a renewal from silence by the record changing.
    public func renewed(_ lease: Node, at time: Date, durationSeconds: Int) -> Node {
        var updated = lease
        var stamp = Self.microTime(time)
        if let previous = lease[path: ["spec", "renewTime"]]?.string, let renewTime {
            var step = 0.000_001
            while stamp == previous || Self.parseMicroTime(stamp) == renewTime {
                stamp = Self.microTime(renewTime.addingTimeInterval(step))
                step *= 2
            }
        }
        updated.set(.string(stamp), at: ["spec", "renewTime"])
        updated.set(Node(.int(durationSeconds)), at: ["spec", "leaseDurationSeconds"])
        return Self.stamped(updated)
    }

    /// As client-go on ReleaseOnCancel: no holder, a one-second duration, so anyone may take it.
    public func released(_ lease: Node, at time: Date) -> Node {
        var updated = lease
        updated.remove(at: ["spec", "holderIdentity"])
        updated.set(Node(.int(1)), at: ["spec", "leaseDurationSeconds"])
        updated.set(.string(Self.microTime(time)), at: ["spec", "renewTime"])
        return Self.stamped(updated)
    }

    private static func stamped(_ lease: Node) -> Node {
        var lease = lease
        lease["apiVersion"] = "coordination.k8s.io/v1"
        lease["kind"] = "Lease"
        return lease
    }

    /// `metav1.MicroTime`: RFC 3339 with microseconds, UTC.
    public static func microTime(_ date: Date) -> String { KubeTime.microTime(date) }

    public static func parseMicroTime(_ text: String) -> Date? { KubeTime.parse(text) }
}
