import CommitVerification
import Executors
import Foundation
import HTTP
import Kube
import KubeTestServer
import Logging
import ReconcileController
import ReconcileCore
import ReconcileSource
import ReconcileTestSupport
import ServiceLifecycle
import Testing
import YAML

/// A test API server, a config repository served by `git daemon` on 127.0.0.1, and controllers
/// (`reconcile run` parsed from its real arguments) running in-process as ServiceGroups.
final class ControllerHarness: @unchecked Sendable {
    let server: TestAPIServer
    let root: String
    let work: String
    let bareParent: String
    let daemon: GitDaemon
    let client: KubeClient
    var kubeconfigs: [String: String] = [:]
    let secretFile: String
    static let secret = "hook-secret"
    /// `reconcile run`'s text logger: stderr, info.
    static let logger: Logger = {
        var logger = Logger(label: "reconcile", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .info
        return logger
    }()

    static let config = """
        name: shop
        bundles:
          - name: namespaces
            path: namespaces
          - name: mesh
            path: mesh
            namespace: shop
            needs: [namespaces]
        drift: correct

        """

    static func virtualService(timeout: String) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts: [reviews]
          http:
            - timeout: \(timeout)
              route:
                - destination:
                    host: reviews

        """
    }

    /// `authorizer`: RBAC for the users it names (ChartRBACEndToEndTests); nil, no authorization.
    init(users: [String: String] = ["token-a": "replica-a", "token-b": "replica-b"], authorizer: RBACAuthorizer? = nil) throws {
        var options = TestAPIServer.Options()
        for (token, user) in users { options.tokens[token] = user }
        options.authorizer = authorizer
        server = try TestAPIServer(options: options)
        try server.start()
        root = try TestGit.temporaryDirectory()
        work = root + "/work"
        bareParent = root + "/served"
        try TestGit.initRepo(at: work, files: [
            "reconcile.yaml": Self.config,
            "namespaces/shop.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
            "mesh/reviews.yaml": Self.virtualService(timeout: "5s"),
        ])
        try FileManager.default.createDirectory(atPath: bareParent, withIntermediateDirectories: true)
        try TestGit.run(["clone", "-q", "--bare", work, bareParent + "/config.git"], in: root)
        daemon = try GitDaemon(baseDirectory: bareParent)
        for token in ["test-token"] + users.keys.sorted() {
            let path = root + "/kubeconfig-\(token)"
            try server.kubeconfig(user: .token(token)).write(toFile: path, atomically: true, encoding: .utf8)
            kubeconfigs[token] = path
        }
        client = KubeClient(connection: try KubeConfig.load(path: kubeconfigs["test-token"]!).connection())
        secretFile = root + "/webhook-secret"
        try Self.secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        _ = try server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "reconcile-system"]])
        // The Service the route names (IST0101 would block the apply otherwise).
        _ = try server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "shop"]])
        _ = try server.seed(["apiVersion": "v1", "kind": "Service", "metadata": ["name": "reviews", "namespace": "shop"],
                             "spec": ["ports": [["port": 9080]], "selector": ["app": "reviews"]]])
    }

    deinit {
        daemon.stop()
        let server = self.server
        // stop() takes seconds: off the critical path.
        Thread.detachNewThread { server.stop() }
        TestGit.cleanup(root)
    }

    func addKubeconfig(token: String) throws {
        let path = root + "/kubeconfig-\(token)"
        try server.kubeconfig(user: .token(token)).write(toFile: path, atomically: true, encoding: .utf8)
        kubeconfigs[token] = path
    }

    var url: String { "git://127.0.0.1:\(daemon.port)/config.git" }

    /// Commits to the work tree and pushes to the served bare repository.
    @discardableResult
    func push(files: [String: String], message: String) throws -> String {
        let commit = try TestGit.commit(in: work, files: files, message: message)
        try TestGit.run(["push", "-q", bareParent + "/config.git", "HEAD:main"], in: work)
        return commit
    }

    struct Running {
        let controller: Controller
        let group: ServiceGroup
        let task: Task<Void, any Error>

        func stop() async {
            await group.triggerGracefulShutdown()
            _ = await task.result
        }
    }

    /// Short lease timings (lease 2 s / renew deadline 1.5 s / renew 0.5 s / retry 0.2 s) make
    /// failover fast; tests that must not see a leadership change under a loaded machine pass
    /// `fastLease: false` (15 s / 10 s / 5 s / 0.5 s).
    func start(token: String = "test-token", identity: String = "replica-a", interval: Duration = .seconds(1), fastLease: Bool = true,
               repo: String? = nil, drift: RepoConfig.DriftMode? = nil,
               verifier: CommitVerifier? = nil) throws -> Running {
        let lease = fastLease
            ? LeaderElector.Timing(leaseDuration: .seconds(2), renewDeadline: .milliseconds(1500), renewPeriod: .milliseconds(500),
                                   retryPeriod: .milliseconds(200))
            : LeaderElector.Timing(leaseDuration: .seconds(15), renewDeadline: .seconds(10), renewPeriod: .seconds(5),
                                   retryPeriod: .milliseconds(500))
        // A short minimum gap between passes: tests that wait for a quiet second must not mistake
        // the 2 s default gap before an already-pending pass for the loop having gone idle.
        let options = Controller.Options(
            namespace: "reconcile-system", identity: identity, interval: interval, listenHost: "127.0.0.1", listenPort: 0,
            driftOverride: drift, webhookSecret: Array(Self.secret.utf8), leaderTiming: lease, rolloutPollInterval: 0.2,
            minimumGap: .milliseconds(100))
        let cluster = KubeClient(connection: try KubeConfig.load(path: kubeconfigs[token]!).connection(context: nil))
        // `repo`: a local path instead of the served URL (no ref: its working tree).
        let settings = repo.map { RepositorySettings(location: $0) }
            ?? RepositorySettings(location: url, cacheDirectory: root + "/cache-\(identity)", ref: "main")
        let source = GitDesiredStateSource(settings: settings, makeRenderer: { defaultInstance in
            Renderer(defaultInstance: defaultInstance, scope: Scope(ownNamespace: "reconcile-system"))
        }, verifier: verifier)
        let controller = Controller(options: options, cluster: cluster, source: source, logger: Self.logger)
        let group = controller.serviceGroup(signals: [])
        let task = Task { try await group.run() }
        return Running(controller: controller, group: group, task: task)
    }

    /// Whether no reconcile pass finished during the next `seconds` (the status ConfigMap's
    /// `lastRunTime` did not move).
    func quiet(for seconds: Double) async throws -> Bool {
        let before = status()["lastRunTime"]
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        return before != nil && status()["lastRunTime"] == before
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
    func eventually(_ timeout: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    func virtualServiceTimeout() -> String? {
        server.object(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "shop", name: "reviews")?[path: ["spec", "http"]]?
            .sequence?.first?["timeout"]?.string
    }

    func events(reason: String) async -> [Node] {
        guard let resource = try? await client.resource(group: "events.k8s.io", kind: "Event", version: "v1"),
            let list = try? await client.list(resource, namespace: "shop", labelSelector: nil, limit: 500) else { return [] }
        return list.items.filter { $0["reason"]?.string == reason }
    }

    /// A request to the controller's own HTTP server, sent off the cooperative pool: the server
    /// answers on that pool, and the blocking client must not hold one of its two threads meanwhile.
    func http(_ method: String, port: Int, path: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) async throws -> HTTPResponse {
        let request = HTTPRequest(method: method, url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: body, timeout: 10)
        return try await BlockingExecutor.shared.run { try HTTPClient().send(request) }
    }

    func status() -> [String: String] {
        server.object(apiVersion: "v1", kind: "ConfigMap", namespace: "reconcile-system", name: "reconcile-status")?.stringMap(at: ["data"]) ?? [:]
    }
}

