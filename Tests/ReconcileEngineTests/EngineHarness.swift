import Foundation
import Git
import Kube
import KubeTestServer
import ReconcileCLI
import ReconcileCore
import ReconcileTestSupport
import Testing
import YAML

/// A test API server with an example's cluster state seeded, a kubeconfig for it, and a stand-in
/// for the controllers a real cluster runs (rollouts, sidecar injection), so `reconcile apply`
/// can be driven end to end through its command line.
final class EngineHarness: @unchecked Sendable {
    let server: TestAPIServer
    let kubeconfigPath: String
    let directory: String
    let client: KubeClient
    private var controller: Task<Void, Never>?

    init() throws {
        server = try TestAPIServer()
        try server.start()
        directory = NSTemporaryDirectory() + "reconcile-engine-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        kubeconfigPath = directory + "/kubeconfig"
        try server.kubeconfig(user: .token("test-token")).write(toFile: kubeconfigPath, atomically: true, encoding: .utf8)
        client = KubeClient(connection: try KubeConfig.load(path: kubeconfigPath).connection())
    }

    deinit {
        controller?.cancel()
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func example(_ name: String) -> String { EngineHarness.root.appendingPathComponent("examples/\(name)").path }

    /// An example's desired state, rendered as `reconcile` renders the directory.
    func desiredState(of name: String) throws -> DesiredState {
        let files = try DirectoryReader.files(at: example(name), include: SourceFile.isCandidate).map { SourceFile(path: $0.path, bytes: $0.bytes) }
        return try Renderer(defaultInstance: name).render(files)
    }

    /// A writable copy of an example (without its snapshot), for scenarios that edit the repo.
    func copy(example name: String) throws -> String {
        let target = directory + "/" + name
        try FileManager.default.copyItem(atPath: example(name), toPath: target)
        try FileManager.default.removeItem(atPath: target + "/live-snapshot.yaml")
        return target
    }

    /// Seeds every object of an example's live snapshot (server fields are regenerated).
    func seed(snapshotOf name: String) throws {
        let bytes = [UInt8](FileManager.default.contents(atPath: example(name) + "/live-snapshot.yaml")!)
        for document in try YAMLParser.parse(bytes, file: "live-snapshot.yaml") {
            for item in document.root["items"]?.sequence ?? [document.root] {
                var object = item.withoutMarks
                for field in ["resourceVersion", "uid", "creationTimestamp", "generation"] { object.remove(at: ["metadata", field]) }
                // The server starts every object at generation 1; a finished rollout has observed it.
                if object[path: ["status", "observedGeneration"]] != nil { object.set(Node(.int(1)), at: ["status", "observedGeneration"]) }
                _ = try server.seed(object)
            }
        }
    }

    struct Run: CustomStringConvertible {
        var code: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(code)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
    }

    /// Runs the reconcile command line in-process against this server.
    func reconcile(_ arguments: [String]) async -> Run {
        let output = CapturedOutput()
        let code = await Console.$current.withValue(output.console) {
            await ReconcileCommand.run(arguments: arguments + ["--kubeconfig", kubeconfigPath])
        }
        return Run(code: code, stdout: output.stdout, stderr: output.stderr)
    }

    func get(_ apiVersion: String, _ kind: String, _ namespace: String?, _ name: String) -> Node? {
        server.object(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
    }

    /// Plays kube-controller-manager and Istio's injector: a workload whose generation moved is
    /// rolled out at once — its pods get the injection their namespace now asks for and its
    /// status reports a finished rollout.
    func startRolloutController() {
        let client = self.client
        let server = self.server
        controller = Task {
            while !Task.isCancelled {
                for kind in ["Deployment", "StatefulSet", "DaemonSet"] {
                    guard let resource = try? await client.resource(group: "apps", kind: kind, version: "v1"),
                        let workloads = try? await client.list(resource, namespace: nil, labelSelector: nil, limit: 500) else { continue }
                    for workload in workloads.items {
                        let generation = workload[path: ["metadata", "generation"]]?.int ?? 1
                        guard (workload[path: ["status", "observedGeneration"]]?.int ?? 0) < generation else { continue }
                        try? await EngineHarness.rollOut(workload, kind: kind, client: client, server: server)
                    }
                }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }

    private static func rollOut(_ workload: Node, kind: String, client: KubeClient, server: TestAPIServer) async throws {
        guard let namespace = workload.namespace,
            let selector = LabelSelector(selectorNode: workload[path: ["spec", "selector"]]) else { return }
        let namespaceLabels = (try await client.get(ObjectReference(apiVersion: "v1", kind: "Namespace", namespace: nil, name: namespace)))?.labels ?? [:]
        let template = workload[path: ["spec", "template", "metadata"]] ?? Node(.mapping([]))
        let wanted = PodInjection.wanted(templateLabels: template.stringMap(at: ["labels"]), templateAnnotations: template.stringMap(at: ["annotations"]),
                                         namespaceLabels: namespaceLabels)
        let pods = try await client.list(try await client.resource(group: "", kind: "Pod", version: "v1"), namespace: namespace, labelSelector: nil, limit: 500)
        for pod in pods.items where selector.matches(pod.labels) {
            var updated = pod
            updated["apiVersion"] = "v1"
            updated["kind"] = "Pod"
            if wanted.injected {
                let revision = wanted.revision ?? "default"
                updated.set(.string("{\"revision\":\"\(revision)\"}"), at: ["metadata", "annotations", PodInjection.statusAnnotation])
                updated.set(.string(revision), at: ["metadata", "labels", NamespaceInjection.revisionLabel])
            } else {
                updated.remove(at: ["metadata", "annotations", PodInjection.statusAnnotation])
                updated.remove(at: ["metadata", "labels", NamespaceInjection.revisionLabel])
            }
            _ = try server.seed(updated)
        }
        var done = workload
        done["apiVersion"] = "apps/v1"
        done["kind"] = .string(kind)
        let replicas = workload[path: ["spec", "replicas"]]?.int ?? 1
        let generation = workload[path: ["metadata", "generation"]]?.int ?? 1
        var status = Node.object(["observedGeneration": Node(.int(generation)), "replicas": Node(.int(replicas)),
                                  "updatedReplicas": Node(.int(replicas)), "readyReplicas": Node(.int(replicas)),
                                  "availableReplicas": Node(.int(replicas)), "currentRevision": "r2", "updateRevision": "r2"])
        if kind == "DaemonSet" {
            status = Node.object(["observedGeneration": Node(.int(generation)), "desiredNumberScheduled": Node(.int(replicas)),
                                  "updatedNumberScheduled": Node(.int(replicas)), "numberAvailable": Node(.int(replicas))])
        }
        done["status"] = status
        _ = try server.seed(done)
    }

    /// Workloads `reconcile` restarted (merge patches of their pod template), as "Kind ns/name".
    var restarted: [String] {
        server.requests.filter { $0.method == "PATCH" && $0.contentType == "application/merge-patch+json" && $0.path.hasPrefix("/apis/apps/v1/") }
            .map { request in
                let parts = request.path.split(separator: "/")  // apis apps v1 namespaces ns kind name
                let kinds = ["deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet"]
                return "\(kinds[String(parts[5])] ?? String(parts[5])) \(parts[4])/\(parts[6])"
            }
    }

    /// Paths of write requests (PATCH/POST/PUT/DELETE) the server saw, in order.
    var writes: [String] {
        server.requests.filter { ["PATCH", "POST", "PUT", "DELETE"].contains($0.method) && $0.query["dryRun"] == nil }.map { "\($0.method) \($0.path)" }
    }
}
