import Foundation
import Kube
import ReconcileCore
import YAML

/// What happened to one planned restart.
public struct RestartOutcome: Sendable {
    public enum Result: Sendable, Equatable {
        case completed
        case failed(String)
        case timedOut
        /// Not started because an earlier restart failed.
        case skipped
    }

    public var restart: PlannedRestart
    public var result: Result
}

/// Restarts workloads exactly as `kubectl rollout restart` does (a merge patch of the
/// pod-template annotation `kubectl.kubernetes.io/restartedAt`), `maxConcurrent` at a time,
/// waiting for each rollout as `kubectl rollout status` does. A failed or timed-out rollout stops
/// the restarts not yet started.
public struct Restarter: Sendable {
    public var cluster: any ClusterAPI
    public var events: EventRecorder?
    public var maxConcurrent: Int
    /// Seconds per workload.
    public var timeout: Double
    public var pollInterval: Double
    public var progress: @Sendable (String) -> Void
    public var now: @Sendable () -> Date

    public init(cluster: any ClusterAPI, events: EventRecorder?, maxConcurrent: Int, timeout: Double, pollInterval: Double = 2,
                progress: @escaping @Sendable (String) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() }) {
        self.cluster = cluster
        self.events = events
        self.maxConcurrent = max(1, maxConcurrent)
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.progress = progress
        self.now = now
    }

    public func run(_ restarts: [PlannedRestart]) async -> [RestartOutcome] {
        var outcomes: [RestartOutcome] = []
        var index = 0
        var stopped = false
        while index < restarts.count && !stopped && !Task.isCancelled {
            let batch = Array(restarts[index..<min(index + maxConcurrent, restarts.count)])
            index += batch.count
            let results = await withTaskGroup(of: (Int, RestartOutcome).self) { group in
                for (offset, restart) in batch.enumerated() {
                    group.addTask { (offset, RestartOutcome(restart: restart, result: await self.restart(restart))) }
                }
                var all: [(Int, RestartOutcome)] = []
                for await result in group { all.append(result) }
                return all.sorted { $0.0 < $1.0 }.map(\.1)
            }
            outcomes += results
            stopped = results.contains { $0.result != .completed }
        }
        outcomes += restarts[index...].map { RestartOutcome(restart: $0, result: .skipped) }
        return outcomes
    }

    private func restart(_ restart: PlannedRestart) async -> RestartOutcome.Result {
        let key = restart.workload
        let ref = ObjectReference(apiVersion: "apps/v1", kind: key.kind, namespace: key.namespace, name: key.name)
        do {
            let uid: String?
            if restart.rolloutStarted {
                // Restarted by an earlier run that was interrupted: wait for that rollout, never restart twice.
                progress("restart \(key.shortDescription): already rolling out; waiting for it")
                uid = try await cluster.get(ref)?[path: ["metadata", "uid"]]?.string
            } else {
                let patch = RolloutStatus.restartPatch(at: KubeTime.format(now()))
                let patched = try await cluster.mergePatch(ref, patch: patch, fieldManager: "kubectl-rollout")
                progress("restart \(key.shortDescription): \(restart.reason)")
                uid = patched[path: ["metadata", "uid"]]?.string
            }
            let deadline = now().addingTimeInterval(timeout)
            var lastMessage = ""
            while true {
                guard let current = try await cluster.get(ref) else {
                    return .failed("\(key.shortDescription) was deleted during its rollout")
                }
                switch RolloutStatus.of(current) {
                case .complete:
                    progress("restart \(key.shortDescription): rollout complete")
                    await events?.record(.restarted, regarding: key, apiVersion: "apps/v1", uid: uid, note: "restarted: \(restart.reason)")
                    return .completed
                case .failed(let message):
                    await events?.record(.restartFailed, regarding: key, apiVersion: "apps/v1", uid: uid, note: message)
                    return .failed(message)
                case .progressing(let message):
                    if message != lastMessage {
                        progress("restart \(key.shortDescription): \(message)")
                        lastMessage = message
                    }
                }
                if now() >= deadline {
                    await events?.record(.restartFailed, regarding: key, apiVersion: "apps/v1", uid: uid,
                                         note: "rollout did not finish within \(DurationText.format(timeout)): \(lastMessage)")
                    return .timedOut
                }
                try await Task.sleep(nanoseconds: UInt64(pollInterval * 1_000_000_000))
            }
        } catch is CancellationError {
            return .failed("interrupted while waiting for the rollout (it goes on; the next run waits for it)")
        } catch {
            return .failed("\(error)")
        }
    }
}
