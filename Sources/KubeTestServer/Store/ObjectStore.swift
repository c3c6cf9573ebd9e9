import Foundation
import YAML

/// Objects by resource, namespace and name, with one global resourceVersion counter (as etcd's
/// revision) and a bounded event history that watches replay from. All access is under one lock;
/// watchers are called with the lock held so events reach them in resourceVersion order.
final class ObjectStore: @unchecked Sendable {
    struct Event {
        var type: String
        var resource: String
        var object: Node
        var resourceVersion: Int
    }

    let lock = NSRecursiveLock()
    private(set) var resourceVersion = 100
    private var objects: [String: [String: Node]] = [:] {
        didSet { keyOrder = [:] }
    }
    /// `objects[resource]`'s keys sorted, kept between writes (see `scan`).
    private var keyOrder: [String: [String]] = [:]
    private(set) var history: [Event] = []
    /// The oldest resourceVersion a watch may start from.
    private(set) var oldestWatchable = 100
    private var watchers: [ObjectIdentifier: Watcher] = [:]
    var historyLimit = 5000

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs a whole write (read, check, store) atomically.
    func locked<T>(_ body: () throws(APIError) -> T) throws(APIError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    static func objectKey(namespace: String?, name: String) -> String { "\(namespace ?? "")/\(name)" }

    func get(_ resource: String, namespace: String?, name: String) -> Node? {
        withLock { objects[resource]?[Self.objectKey(namespace: namespace, name: name)] }
    }

    /// Objects sorted by namespace then name (the etcd key order lists use).
    func list(_ resource: String, namespace: String?) -> [Node] {
        var objects: [Node] = []
        scan(resource, namespace: namespace) { objects.append($0); return true }
        return objects
    }

    /// Visits objects in list order (see `list`), from the first whose key is at least `start`
    /// (an `objectKey`), until `visit` returns false; returns how many objects were left unvisited.
    /// Like etcd's range read from a continue key, a page costs what it returns, not the size of
    /// the whole collection.
    @discardableResult
    func scan(_ resource: String, namespace: String?, from start: String? = nil, _ visit: (Node) -> Bool) -> Int {
        withLock {
            guard let all = objects[resource] else { return 0 }
            let keys = sortedKeys(resource, all)
            let prefix = namespace.map { "\($0)/" } ?? ""
            let first = max(prefix, start ?? "")
            // Binary search for the first key not below `first`; keys sharing a prefix are adjacent.
            var low = 0, high = keys.count
            while low < high {
                let middle = (low + high) / 2
                if keys[middle] < first { low = middle + 1 } else { high = middle }
            }
            var index = low
            while index < keys.count, keys[index].hasPrefix(prefix) {
                index += 1
                guard visit(all[keys[index - 1]]!) else {
                    return keys[index...].prefix { $0.hasPrefix(prefix) }.count
                }
            }
            return 0
        }
    }

    /// The keys of `resource` in order, sorted again only after a write.
    private func sortedKeys(_ resource: String, _ all: [String: Node]) -> [String] {
        if let keys = keyOrder[resource] { return keys }
        let keys = all.keys.sorted()
        keyOrder[resource] = keys
        return keys
    }

    func nextResourceVersion() -> Int {
        withLock { resourceVersion += 1; return resourceVersion }
    }

    /// Stores (or replaces) an object, stamping a new resourceVersion, and notifies watchers.
    @discardableResult
    func put(_ resource: String, _ object: Node, created: Bool) -> Node {
        withLock {
            var object = object
            let rv = nextResourceVersion()
            object["metadata"]?["resourceVersion"] = .string(String(rv))
            let meta = object["metadata"]
            let key = Self.objectKey(namespace: meta?["namespace"]?.string, name: meta?["name"]?.string ?? "")
            objects[resource, default: [:]][key] = object
            record(Event(type: created ? "ADDED" : "MODIFIED", resource: resource, object: object, resourceVersion: rv))
            return object
        }
    }

    /// Removes an object; the DELETED event carries a new resourceVersion (transcript 084).
    func delete(_ resource: String, namespace: String?, name: String) {
        withLock {
            let key = Self.objectKey(namespace: namespace, name: name)
            guard var object = objects[resource]?.removeValue(forKey: key) else { return }
            let rv = nextResourceVersion()
            object["metadata"]?["resourceVersion"] = .string(String(rv))
            record(Event(type: "DELETED", resource: resource, object: object, resourceVersion: rv))
        }
    }

    private func record(_ event: Event) {
        history.append(event)
        if history.count > historyLimit {
            history.removeFirst(history.count - historyLimit)
            oldestWatchable = history.first.map { $0.resourceVersion - 1 } ?? resourceVersion
        }
        for watcher in watchers.values where watcher.resource == event.resource { watcher.deliver(event) }
    }

    /// Forgets history: watches from any resourceVersion before now get 410 Expired.
    func compact() {
        withLock {
            history.removeAll()
            oldestWatchable = resourceVersion
        }
    }

    /// Registers a watcher and replays history after `from` atomically, so no event is lost or doubled.
    func addWatcher(_ watcher: Watcher, replayAfter from: Int?, initial: [Node]?) {
        withLock {
            if let initial {
                for object in initial {
                    let rv = Int(object[path: ["metadata", "resourceVersion"]]?.string ?? "") ?? 0
                    watcher.deliver(Event(type: "ADDED", resource: watcher.resource, object: object, resourceVersion: rv))
                }
                watcher.initialEventsEnd(resourceVersion)
            }
            if let from {
                for event in history where event.resourceVersion > from && event.resource == watcher.resource { watcher.deliver(event) }
            }
            watchers[ObjectIdentifier(watcher)] = watcher
        }
    }

    func removeWatcher(_ watcher: Watcher) {
        withLock { _ = watchers.removeValue(forKey: ObjectIdentifier(watcher)) }
    }

    func allObjects() -> [(String, Node)] {
        withLock { objects.flatMap { resource, byKey in byKey.values.map { (resource, $0) } } }
    }
}
