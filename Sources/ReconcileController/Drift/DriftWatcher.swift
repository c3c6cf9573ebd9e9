import Foundation
import Kube
import Logging
import ReconcileCore
import ReconcileEngine
import ServiceLifecycle
import YAML

/// Watches every managed kind of the last desired state (labelSelector
/// `reconcile.dev/instance=<name>`; Namespaces unselected, filtered by name) and, on the leader,
/// turns an out-of-band change into events: `DriftDetected` (Warning) naming the field paths and
/// the manager that changed them, counted in the event's `series` when the same drift repeats;
/// then with `drift: correct` the object is applied again (force, as the Applier does for
/// tracked objects) and `DriftCorrected` recorded. Our own writes compare equal and pass silently.
public final class DriftWatcher: Service, Sendable {
    struct Wanted: Sendable {
        var apiVersion: String
        var body: Node
    }

    struct Target: Sendable {
        var objects: [ObjectKey: Wanted]
        var instance: String
        var mode: RepoConfig.DriftMode
        var revision: String
    }

    struct WatchKey: Hashable, Sendable {
        var group: String
        var kind: String
        var version: String
        var selector: String?
    }

    /// The event recorded for one drift, so a repeat bumps its series.
    struct SeriesEntry: Sendable {
        var eventName: String
        var eventNamespace: String
        var count: Int
    }

    let reader: any ControllerCluster
    let writer: any ControllerCluster
    let isLeader: @Sendable () -> Bool
    let metrics: ControllerMetrics
    let identity: String
    let logger: Logger
    /// Asked for a full pass when a correction fails.
    let wake: WakeSignal
    private let target = Locked<Target?>(nil)
    private let watches = Locked<[WatchKey: Task<Void, Never>]>([:])
    private let series = Locked<[String: SeriesEntry]>([:])

    public init(reader: any ControllerCluster, writer: any ControllerCluster, isLeader: @escaping @Sendable () -> Bool, metrics: ControllerMetrics,
                identity: String, logger: Logger, wake: WakeSignal) {
        self.reader = reader
        self.writer = writer
        self.isLeader = isLeader
        self.metrics = metrics
        self.identity = identity
        self.logger = logger
        self.wake = wake
    }

    public func run() async throws {
        try? await gracefulShutdown()
        let tasks = watches.withLock { watches in
            defer { watches.removeAll() }
            return Array(watches.values)
        }
        for task in tasks { task.cancel() }
    }

    /// The desired state of the last successful plan: what drift is measured against.
    public func update(desired: DesiredState, mode: RepoConfig.DriftMode, revision: String) {
        var objects: [ObjectKey: Wanted] = [:]
        for object in desired.objects { objects[object.key] = Wanted(apiVersion: object.apiVersion, body: object.body) }
        for (name, wanted) in desired.namespaceInjection where !wanted.fromManifest {
            let key = ObjectKey(group: "", kind: "Namespace", name: name)
            guard objects[key] == nil else { continue }
            var body: Node = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            for (label, value) in wanted.injection.labels { body.set(.string(value), at: ["metadata", "labels", label]) }
            objects[key] = Wanted(apiVersion: "v1", body: body)
        }
        target.withLock { $0 = Target(objects: objects, instance: desired.instance, mode: mode, revision: revision) }

        var wantedWatches: Set<WatchKey> = []
        for (key, wanted) in objects {
            let version = wanted.apiVersion.split(separator: "/").last.map(String.init) ?? wanted.apiVersion
            let selector = key.kind == "Namespace" && key.group.isEmpty ? nil : "\(Tracking.instanceLabel)=\(desired.instance)"
            wantedWatches.insert(WatchKey(group: key.group, kind: key.kind, version: version, selector: selector))
        }
        let (toStart, toStop) = watches.withLock { watches -> ([WatchKey], [Task<Void, Never>]) in
            let stop = watches.filter { !wantedWatches.contains($0.key) }
            for key in stop.keys { watches.removeValue(forKey: key) }
            return (wantedWatches.filter { watches[$0] == nil }.sorted { "\($0.group)/\($0.kind)" < "\($1.group)/\($1.kind)" }, Array(stop.values))
        }
        for task in toStop { task.cancel() }
        for key in toStart {
            let task = Task { await self.watchLoop(key) }
            watches.withLock { $0[key] = task }
        }
    }

    /// Keeps one kind watched: list for a resourceVersion, then watch from it (the client resumes
    /// after drops and relists on 410); starts over after an error.
    private func watchLoop(_ key: WatchKey) async {
        var logger = self.logger
        logger[metadataKey: "watch"] = "\(key.kind)"
        while !Task.isCancelled {
            do {
                let resource = try await reader.resource(group: key.group, kind: key.kind, version: key.version)
                let list = try await reader.list(resource, namespace: nil, labelSelector: key.selector, limit: 500)
                for try await event in reader.watch(resource, namespace: nil, labelSelector: key.selector, resourceVersion: list.resourceVersion) {
                    switch event {
                    case .modified(let object): await check(object, group: key.group, kind: key.kind, deleted: false, logger: logger)
                    case .deleted(let object): await check(object, group: key.group, kind: key.kind, deleted: true, logger: logger)
                    case .relisted(let items, _):
                        for object in items { await check(object, group: key.group, kind: key.kind, deleted: false, logger: logger) }
                    case .added, .bookmark: break
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("drift watch of \(key.kind) failed, starting again: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// One watched change: drift or not, and what to do about it.
    func check(_ object: Node, group: String, kind: String, deleted: Bool, logger: Logger) async {
        guard isLeader(), let target = target.current, let name = object.name else { return }
        let key = ObjectKey(group: group, kind: kind, namespace: object.namespace ?? "", name: name)
        guard let wanted = target.objects[key] else { return }
        let paths: [String]
        let managers: [String]
        if deleted {
            paths = []
            managers = []
        } else {
            var live = object
            live["apiVersion"] = .string(wanted.apiVersion)
            let result = OwnedFieldCompare.compare(desired: wanted.body, live: live)
            guard !result.changed.isEmpty else { return }
            let others = FieldSet.managers(of: live).filter { $0.manager != Tracking.fieldManager }
            paths = result.changed.map(\.description)
            managers = Set(result.changed.flatMap { path in others.filter { $0.fields.touches(path) }.map(\.manager) }).sorted()
        }
        let note = deleted ? "drift: \(key.shortDescription) was deleted out of band"
            : "drift: \(paths.joined(separator: ", ")) changed out of band" + (managers.isEmpty ? "" : " by \(managers.joined(separator: ", "))")
        logger.warning("\(note)", metadata: ["revision": "\(target.revision)"])
        metrics.driftDetected(kind: kind)
        let events = EventRecorder(cluster: writer, instance: identity, revision: target.revision)
        await recordDetected(events: events, key: key, apiVersion: wanted.apiVersion, uid: object[path: ["metadata", "uid"]]?.string, note: note,
                             seriesKey: "\(key)|\(deleted)|\(paths.joined(separator: ","))|\(managers.joined(separator: ","))", logger: logger)
        guard target.mode == .correct else { return }
        do {
            let applied = try await writer.apply(wanted.body.withoutMarks, fieldManager: Tracking.fieldManager, force: true, dryRun: false)
            metrics.driftCorrected(kind: kind)
            let what = deleted ? "re-created \(key.shortDescription)" : "re-applied \(paths.joined(separator: ", "))"
            await events.record(.driftCorrected, regarding: key, apiVersion: wanted.apiVersion, uid: applied[path: ["metadata", "uid"]]?.string,
                                note: "drift corrected: \(what) from git")
            logger.info("drift corrected: \(what)")
        } catch {
            logger.error("could not correct drift of \(key.shortDescription): \(error); a full pass follows")
            wake.wake()
        }
    }

    private func recordDetected(events: EventRecorder, key: ObjectKey, apiVersion: String, uid: String?, note: String, seriesKey: String,
                                logger: Logger) async {
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
            let event = try await events.recordReturning(.driftDetected, regarding: key, apiVersion: apiVersion, uid: uid, note: note)
            if let name = event.name, let namespace = event.namespace {
                series.withLock { $0[seriesKey] = SeriesEntry(eventName: name, eventNamespace: namespace, count: 1) }
            }
        } catch {
            logger.warning("could not record DriftDetected for \(key.shortDescription): \(error)")
        }
    }
}
