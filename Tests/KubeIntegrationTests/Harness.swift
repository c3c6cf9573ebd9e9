import Executors
import Foundation
import HTTP
import KubeTestServer
import YAML
@testable import Kube

/// Where integration tests run: the in-process `TestAPIServer`, or a real cluster when
/// `RECONCILE_TEST_KUBECONFIG` names a kubeconfig (then server-only checks such as fault
/// injection and the request log are skipped). Each harness works in a fresh namespace.
final class Harness: @unchecked Sendable {
    static let realKubeconfig: String? = ProcessInfo.processInfo.environment["RECONCILE_TEST_KUBECONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    static var onRealCluster: Bool { realKubeconfig != nil }

    let server: TestAPIServer?
    let client: KubeClient
    let namespace: String
    let sleeps = Locked<[Double]>([])
    private let directory: String

    /// `user` picks the kubeconfig user form (test server only; a real cluster uses its own).
    init(user: TestAPIServer.KubeconfigUser = .token("test-token"), options: KubeClient.Options = KubeClient.Options(),
         realSleep: Bool = false, prepare: (TestAPIServer, String) throws -> Void = { _, _ in }) async throws {
        directory = NSTemporaryDirectory() + "kube-it-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        namespace = "it-" + UUID().uuidString.prefix(8).lowercased()
        let connection: ClusterConnection
        if let real = Self.realKubeconfig {
            server = nil
            connection = try KubeConfig.load(path: real).connection()
        } else {
            let server = try TestAPIServer()
            try server.start()
            try prepare(server, directory)
            let file = (directory as NSString).appendingPathComponent("config")
            try server.kubeconfig(user: user, namespace: namespace).write(toFile: file, atomically: true, encoding: .utf8)
            connection = try KubeConfig.load(path: file, environment: [:]).connection()
            self.server = server
        }
        let sleeps = self.sleeps
        client = KubeClient(connection: connection, options: options, sleep: { seconds in
            sleeps.withLock { $0.append(seconds) }
            if realSleep || Harness.onRealCluster, seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
        }, random: { Double.random(in: 0..<1) })
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]], fieldManager: "reconcile-test")
    }

    func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Removes the namespace's objects the tests made (real clusters) and stops the server.
    func tearDown() async {
        if server == nil {
            try? await client.delete(ObjectReference(apiVersion: "v1", kind: "Namespace", name: namespace))
        }
        // Stopping the server takes seconds (NIO's graceful shutdown) and blocks: do it off the
        // cooperative pool so the other tests keep running.
        if let server {
            DispatchQueue.global().async { server.stop() }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func virtualService(_ name: String, host: String = "reviews", timeout: String = "5s", labels: [String: String] = [:]) -> Node {
        var metadata: Node = ["name": .string(name), "namespace": .string(namespace)]
        if !labels.isEmpty { metadata["labels"] = Node(.mapping(labels.sorted { $0.key < $1.key }.map { Node.Entry(key: $0.key, value: .string($0.value)) })) }
        return Node.object([
            "apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": metadata,
            "spec": ["hosts": [.string(host)], "http": [["timeout": .string(timeout), "route": [["destination": ["host": .string(host)]]]]]],
        ])
    }

    func ref(_ name: String, kind: String = "VirtualService", apiVersion: String = "networking.istio.io/v1") -> ObjectReference {
        ObjectReference(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
    }

    /// Requests the test server saw whose path contains `fragment` (empty on a real cluster).
    func requests(_ method: String, _ fragment: String) -> [RecordedRequest] {
        server?.requests.filter { $0.method == method && $0.path.contains(fragment) } ?? []
    }
}

extension Node {
    var resourceVersion: String? { self[path: ["metadata", "resourceVersion"]]?.string }
    var uid: String? { self[path: ["metadata", "uid"]]?.string }
    var name: String? { self[path: ["metadata", "name"]]?.string }
}

/// Collects watch events until `count` arrived or `timeout` passed.
func collect(_ stream: AsyncThrowingStream<WatchEvent, any Error>, until done: @escaping @Sendable ([WatchEvent]) -> Bool,
             timeout: Double = 15) async throws -> [WatchEvent] {
    try await withThrowingTaskGroup(of: [WatchEvent]?.self) { group in
        group.addTask {
            var events: [WatchEvent] = []
            for try await event in stream {
                events.append(event)
                if done(events) { return events }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let first else { throw WatchTimeout() }
        return first
    }
}

struct WatchTimeout: Error {}

extension WatchEvent {
    /// `added web`, `modified web`, `deleted web`, `bookmark`, `relisted 3`.
    var summary: String {
        switch self {
        case .added(let object): return "added \(object.name ?? "")"
        case .modified(let object): return "modified \(object.name ?? "")"
        case .deleted(let object): return "deleted \(object.name ?? "")"
        case .bookmark: return "bookmark"
        case .relisted(let items, _): return "relisted \(items.count)"
        }
    }
}
