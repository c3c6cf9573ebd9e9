import Executors
import Foundation
import Kube
import Logging
import ReconcileCore
import ReconcileEngine
import YAML

/// The reconcile loop's side of drift: takes drifted keys from the queue, records
/// `DriftDetected` (Warning; a repeat of the same drift bumps the event's `series`) at once —
/// during a pass too — and, with `drift: correct`, re-applies the object from the drift target
/// in the loop's write turn, so never while a pass writes, and always from the revision the
/// last pass left: the object is read again and judged against the target of that moment first.
final class DriftHandler: Sendable {
    /// The event recorded for one drift, so a repeat bumps its series.
    struct SeriesEntry: Sendable {
        var eventName: String
        var eventNamespace: String
        var count: Int
    }

    let watcher: DriftWatcher
    let writer: any ControllerCluster
    let reader: any ControllerCluster
    let turn: WriteTurn
    let metrics: ControllerMetrics
    let identity: String
    let logger: Logger
    /// Asked for a full pass when a correction fails.
    let wake: WakeSignal
    /// Corrections wait here (one per object) until the write turn is free.
    let corrections = DriftQueue(baseDelay: .zero)
    private let series = Locked<[String: SeriesEntry]>([:])

    init(watcher: DriftWatcher, reader: any ControllerCluster, writer: any ControllerCluster, turn: WriteTurn, metrics: ControllerMetrics,
         identity: String, logger: Logger, wake: WakeSignal) {
        self.watcher = watcher
        self.reader = reader
        self.writer = writer
        self.turn = turn
        self.metrics = metrics
        self.identity = identity
        self.logger = logger
        self.wake = wake
    }

    /// Records drift as it is queued and corrects it in the write turn, until cancelled.
    func run(isLeader: @escaping @Sendable () -> Bool) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while let observation = await self.watcher.queue.next() {
                    guard isLeader() else { continue }
                    await self.record(observation)
                }
            }
            group.addTask {
                while let observation = await self.corrections.next() {
                    guard isLeader() else { continue }
                    do {
                        try await self.turn.run { await self.correct(observation) }
                    } catch {
                        return  // cancelled while waiting for the turn: shutting down
                    }
                }
            }
        }
    }

    /// `DriftDetected` for one observation; queues its correction when the target says so.
    func record(_ observation: DriftObservation) async {
        guard let target = watcher.current, let wanted = target.objects[observation.key] else { return }
        let events = EventRecorder(cluster: writer, instance: identity, revision: wanted.revision)
        let seriesKey = "\(observation.key)|\(observation.deleted)|\(observation.paths.joined(separator: ","))|\(observation.managers.joined(separator: ","))"
        await recordDetected(events: events, observation: observation, apiVersion: wanted.apiVersion, seriesKey: seriesKey)
        if target.mode == .correct { corrections.add(observation) }
    }

    /// Re-applies one object from the target, if it still differs from it now.
    func correct(_ observation: DriftObservation) async {
        let key = observation.key
        guard let target = watcher.current, target.mode == .correct, let wanted = target.objects[key] else { return }
        let ref = ObjectReference(apiVersion: wanted.apiVersion, kind: key.kind, namespace: key.namespace, name: key.name)
        let current: DriftObservation?
        do {
            if let live = try await reader.get(ref) {
                current = DriftWatcher.drift(of: live, key: key, wanted: wanted, instance: target.instance, deleted: false)
            } else {
                current = DriftObservation(key: key, deleted: true, paths: [], managers: [], uid: nil)
            }
        } catch {
            logger.error("could not read \(key.shortDescription) to correct its drift: \(error); a full pass follows")
            wake.wake()
            return
        }
        guard let current else { return }  // already back to the target (a pass applied it, or it was reverted)
        let events = EventRecorder(cluster: writer, instance: identity, revision: wanted.revision)
        do {
            let applied = try await writer.apply(wanted.body.withoutMarks, fieldManager: Tracking.fieldManager(instance: target.instance), force: true, dryRun: false)
            metrics.driftCorrected(kind: key.kind)
            let what = current.deleted ? "re-created \(key.shortDescription)" : "re-applied \(current.paths.joined(separator: ", "))"
            await events.record(.driftCorrected, regarding: key, apiVersion: wanted.apiVersion, uid: applied[path: ["metadata", "uid"]]?.string,
                                note: "drift corrected: \(what) from git (\(wanted.revision))")
            logger.info("drift corrected: \(what)", metadata: ["revision": "\(wanted.revision)"])
        } catch {
            logger.error("could not correct drift of \(key.shortDescription): \(error); a full pass follows")
            wake.wake()
        }
    }

    private func recordDetected(events: EventRecorder, observation: DriftObservation, apiVersion: String, seriesKey: String) async {
        if let entry = series.current[seriesKey] {
            do {
                try await events.recordRepeat(eventName: entry.eventName, namespace: entry.eventNamespace, count: entry.count + 1)
                series.withLock { $0[seriesKey]?.count = entry.count + 1 }
                return
            } catch {
                logger.debug("could not update the DriftDetected series (\(error)); recording a new event")
            }
        }
        do {
            let event = try await events.recordReturning(.driftDetected, regarding: observation.key, apiVersion: apiVersion, uid: observation.uid,
                                                         note: observation.note)
            if let name = event.name, let namespace = event.namespace {
                series.withLock { $0[seriesKey] = SeriesEntry(eventName: name, eventNamespace: namespace, count: 1) }
            }
        } catch {
            logger.warning("could not record DriftDetected for \(observation.key.shortDescription): \(error)")
        }
    }
}
