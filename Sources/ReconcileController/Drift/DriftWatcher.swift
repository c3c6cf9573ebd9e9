import Executors
import Foundation
import Kube
import Logging
import ReconcileCore
import ReconcileEngine
import ServiceLifecycle
import YAML

/// Watches every kind of the drift target (labelSelector `reconcile.dev/instance=<name>`;
/// Namespaces unselected, looked up by name) and queues each object whose owned fields differ
/// from the target, or that was deleted, for the reconcile loop. It only reads: recording the
/// drift and correcting it is the loop's (`DriftHandler`), so there is one writer, and what is
/// corrected is judged against the revision the loop last applied — never a blocked one.
///
/// Each watch starts with a LIST that is compared too: drift that happened while nobody
/// watched (the controller was down, or the kind was new) is found at once, not at the next pass.
public final class DriftWatcher: Service, Sendable {
    struct WatchKey: Hashable, Sendable {
        var group: String
        var kind: String
        var version: String
        var selector: String?
    }

    let reader: any ControllerCluster
    let metrics: ControllerMetrics
    let logger: Logger
    /// Where drifted keys go; the loop takes them from here.
    public let queue: DriftQueue
    private let target = Locked<DriftTarget?>(nil)
    private let watches = Locked<[WatchKey: Task<Void, Never>]>([:])

    public init(reader: any ControllerCluster, metrics: ControllerMetrics, logger: Logger, queue: DriftQueue = DriftQueue()) {
        self.reader = reader
        self.metrics = metrics
        self.logger = logger
        self.queue = queue
    }

    public func run() async throws {
        try? await gracefulShutdown()
        stopAll()
    }

    /// The target drift is measured against now (set by the loop after each applying pass).
    public var current: DriftTarget? { target.current }

    /// Measures drift against `newTarget` from now on, watching the kinds it holds.
    public func update(_ newTarget: DriftTarget) {
        target.withLock { $0 = newTarget }
        var wantedWatches: Set<WatchKey> = []
        for (key, wanted) in newTarget.objects {
            let version = wanted.apiVersion.split(separator: "/").last.map(String.init) ?? wanted.apiVersion
            let selector = key.kind == "Namespace" && key.group.isEmpty ? nil : "\(Tracking.instanceLabel)=\(newTarget.instance)"
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

    /// Stops watching (leadership lost, shutdown).
    public func stopAll() {
        let tasks = watches.withLock { watches in
            defer { watches.removeAll() }
            return Array(watches.values)
        }
        for task in tasks { task.cancel() }
    }

    /// Keeps one kind watched: list (and compare what is listed), then watch from the list's
    /// resourceVersion (the client resumes after drops and relists on 410); starts over after an error.
    private func watchLoop(_ key: WatchKey) async {
        var logger = self.logger
        logger[metadataKey: "watch"] = "\(key.kind)"
        while !Task.isCancelled {
            do {
                let resource = try await reader.resource(group: key.group, kind: key.kind, version: key.version)
                let list = try await reader.list(resource, namespace: nil, labelSelector: key.selector, limit: 500)
                let listed = list.items
                var seen: Set<ObjectKey> = []
                for object in listed {
                    if let observed = observe(object, group: key.group, kind: key.kind, deleted: false, logger: logger) { seen.insert(observed) }
                }
                observeMissing(group: key.group, kind: key.kind, listed: seen, logger: logger)
                for try await event in reader.watch(resource, namespace: nil, labelSelector: key.selector, resourceVersion: list.resourceVersion) {
                    switch event {
                    case .modified(let object): _ = observe(object, group: key.group, kind: key.kind, deleted: false, logger: logger)
                    case .deleted(let object): _ = observe(object, group: key.group, kind: key.kind, deleted: true, logger: logger)
                    case .relisted(let items, _):
                        for object in items { _ = observe(object, group: key.group, kind: key.kind, deleted: false, logger: logger) }
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

    /// Compares one live object with the target and queues it when it drifted. Returns its key
    /// when the target holds it.
    @discardableResult
    func observe(_ object: Node, group: String, kind: String, deleted: Bool, logger: Logger) -> ObjectKey? {
        guard let target = target.current, let name = object.name else { return nil }
        let key = ObjectKey(group: group, kind: kind, namespace: object.namespace ?? "", name: name)
        guard let wanted = target.objects[key] else { return nil }
        guard let observation = Self.drift(of: object, key: key, wanted: wanted, instance: target.instance, deleted: deleted) else { return key }
        report(observation, revision: wanted.revision, logger: logger)
        return key
    }

    /// Target objects of this kind the initial LIST did not return: deleted while nobody watched.
    private func observeMissing(group: String, kind: String, listed: Set<ObjectKey>, logger: Logger) {
        guard let target = target.current, !(group.isEmpty && kind == "Namespace") else { return }
        for (key, wanted) in target.objects where key.group == group && key.kind == kind && !listed.contains(key) {
            report(DriftObservation(key: key, deleted: true, paths: [], managers: [], uid: nil), revision: wanted.revision, logger: logger)
        }
    }

    private func report(_ observation: DriftObservation, revision: String, logger: Logger) {
        logger.warning("\(observation.note)", metadata: ["revision": "\(revision)"])
        metrics.driftDetected(kind: observation.key.kind)
        queue.add(observation)
    }

    /// The drift of a live object from what the target wants of it, if any (pure).
    public static func drift(of object: Node, key: ObjectKey, wanted: DriftTarget.Wanted, instance: String, deleted: Bool) -> DriftObservation? {
        let uid = object[path: ["metadata", "uid"]]?.string
        if deleted { return DriftObservation(key: key, deleted: true, paths: [], managers: [], uid: uid) }
        var live = object
        live["apiVersion"] = .string(wanted.apiVersion)
        let result = OwnedFieldCompare.compare(desired: wanted.body, live: live, managers: [])
        guard !result.changed.isEmpty else { return nil }
        let others = FieldSet.managers(of: live).filter { !Tracking.isOwnManager($0.manager, instance: instance) }
        let managers = Set(result.changed.flatMap { path in others.filter { $0.fields.touches(path) }.map(\.manager) }).sorted()
        return DriftObservation(key: key, deleted: false, paths: result.changed.map(\.description), managers: managers, uid: uid)
    }
}

extension DriftObservation {
    /// The sentence events and logs use.
    public var note: String {
        deleted ? "drift: \(key.shortDescription) was deleted out of band"
            : "drift: \(paths.joined(separator: ", ")) changed out of band" + (managers.isEmpty ? "" : " by \(managers.joined(separator: ", "))")
    }
}
