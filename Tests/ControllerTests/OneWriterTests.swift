import Foundation
import Kube
import KubeTestServer
import ReconcileController
import ReconcileCore
import ReconcileEngine
import ReconcileTestSupport
import Testing
import YAML

/// Issue 16: the reconcile loop is the one writer, and the drift target is only ever a revision
/// the leader applied.
@Suite("reconcile run: one writer", .serialized, .timeLimit(.minutes(3)), .enabled(if: TestGit.daemonAvailable, "git daemon is not installed"))
struct OneWriterTests {
    static func peerAuthentication(_ mode: String) -> String {
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: mtls\nspec:\n  mtls:\n    mode: \(mode)\n"
    }

    static let peerAuthenticationRef = ObjectReference(apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", namespace: "shop", name: "mtls")

    func mode(_ harness: ControllerHarness) -> String? {
        harness.server.object(apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", namespace: "shop", name: "mtls")?[path: ["spec", "mtls", "mode"]]?.string
    }

    /// The scenario of the issue: STRICT applied, DISABLE blocked by the shipped guardrail, then
    /// an out-of-band edit. The correction restores STRICT, never the blocked DISABLE.
    @Test func aBlockedCommitNeverReachesTheClusterThroughDriftCorrection() async throws {
        let harness = try ControllerHarness()
        try harness.push(files: ["mesh/mtls.yaml": Self.peerAuthentication("STRICT")], message: "strict")
        let running = try harness.start(interval: .seconds(1), fastLease: false)
        #expect(await harness.eventually(30) { mode(harness) == "STRICT" })
        let applied = try #require(await harness.eventually(10) { harness.status()["driftTarget"]?.isEmpty == false } ? harness.status()["driftTarget"] : nil)

        try harness.push(files: ["mesh/mtls.yaml": Self.peerAuthentication("DISABLE")], message: "disable mTLS")
        #expect(await harness.eventually(30) { harness.status()["result"] == "blocked" }, "\(harness.status())")
        let status = harness.status()
        #expect(status["driftTarget"] == applied, "\(status)")
        #expect(status["errors"]?.contains("blocked at") == true && status["errors"]?.contains("held at \(applied)") == true, "\(status)")
        #expect(mode(harness) == "STRICT")

        // Anyone edits the object: drift is recorded against the applied revision and corrected to it.
        _ = try await harness.client.mergePatch(Self.peerAuthenticationRef, patch: ["spec": ["mtls": ["mode": "PERMISSIVE"]]], fieldManager: "kubectl-edit")
        #expect(await harness.eventually(10) { await !harness.events(reason: "DriftCorrected").isEmpty })
        #expect(mode(harness) == "STRICT")
        let detected = try #require(await harness.events(reason: "DriftDetected").first)
        #expect(detected["note"]?.string?.contains("(revision \(applied))") == true, "\(detected)")
        // Passes go on (still blocked), and nothing ever writes DISABLE.
        try await Task.sleep(for: .seconds(3))
        #expect(mode(harness) == "STRICT")
        #expect(harness.status()["result"] == "blocked")
        #expect(!harness.server.requests.contains { $0.method == "PATCH" && $0.path.contains("/peerauthentications/") && $0.query["dryRun"] == nil
            && String(decoding: $0.body, as: UTF8.self).contains("DISABLE") })
        await running.stop()
    }

    /// A pass that waits on a rollout holds the write turn; drift meanwhile is recorded at once
    /// and corrected once the pass has ended, from the target the pass left.
    @Test func driftDuringALongPassIsDetectedAtOnceAndCorrectedAfter() async throws {
        let harness = try ControllerHarness()
        try Self.seedUninjectedDeployment(harness)
        let running = try harness.start(interval: .seconds(600), fastLease: false)
        #expect(await harness.eventually(30) { harness.virtualServiceTimeout() == "5s" && harness.status()["result"] != nil })
        // Label the namespace for injection: the pass restarts the Deployment and waits on a
        // rollout nobody completes, for restart.timeout (12 s).
        try harness.push(files: [
            "reconcile.yaml": ControllerHarness.config + "restart: {timeout: 12s}\n",
            "namespaces/shop.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
        ], message: "inject shop")
        running.controller.wake.wake()
        #expect(await harness.eventually(30) {
            harness.server.requests.contains { $0.method == "PATCH" && $0.path.hasSuffix("/deployments/reviews-v1") }
        })
        let ref = ObjectReference(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "shop", name: "reviews")
        let patch: Node = ["spec": ["http": [["timeout": "60s", "route": [["destination": ["host": "reviews"]]]]]]]
        let edited = Date()
        _ = try await harness.client.mergePatch(ref, patch: patch, fieldManager: "kubectl-edit")
        #expect(await harness.eventually(2) { await !harness.events(reason: "DriftDetected").isEmpty }, "DriftDetected not recorded within 2 s")
        print("drift → DriftDetected in \(String(format: "%.2f", Date().timeIntervalSince(edited))) s (a pass waiting on a rollout)")
        // Not corrected while the pass holds the write turn…
        #expect(harness.virtualServiceTimeout() == "60s")
        #expect(await harness.events(reason: "DriftCorrected").isEmpty)
        // …and corrected after it, to the applied content.
        #expect(await harness.eventually(40) { harness.virtualServiceTimeout() == "5s" })
        #expect(await harness.eventually(5) { await !harness.events(reason: "DriftCorrected").isEmpty })
        await running.stop()
    }

    /// SIGTERM (graceful shutdown) while a pass waits on a rollout: the pass stops, the Lease is
    /// released, and the controller is gone within 10 s.
    @Test func shutdownDuringARestartWaitIsPromptAndReleasesTheLease() async throws {
        let harness = try ControllerHarness()
        try Self.seedUninjectedDeployment(harness)
        try harness.push(files: [
            "reconcile.yaml": ControllerHarness.config + "restart: {timeout: 10m}\n",
            "namespaces/shop.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
        ], message: "inject shop")
        let running = try harness.start(interval: .seconds(600), fastLease: false)
        #expect(await harness.eventually(30) {
            harness.server.requests.contains { $0.method == "PATCH" && $0.path.hasSuffix("/deployments/reviews-v1") }
        })
        let stopping = Date()
        await running.stop()
        let took = Date().timeIntervalSince(stopping)
        print("graceful shutdown during a rollout wait took \(String(format: "%.2f", took)) s")
        #expect(took < 10)
        let lease = harness.server.object(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "reconcile-system", name: "reconcile")
        #expect((lease?[path: ["spec", "holderIdentity"]]?.string ?? "").isEmpty, "\(String(describing: lease))")
    }

    /// One Deployment with one pod that has no sidecar, rolled out at generation 1.
    static func seedUninjectedDeployment(_ harness: ControllerHarness) throws {
        _ = try harness.server.seed([
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "reviews-v1", "namespace": "shop"],
            "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "reviews"]],
                     "template": ["metadata": ["labels": ["app": "reviews"]], "spec": ["containers": [["name": "reviews", "image": "reviews:1"]]]]],
            "status": ["observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1],
        ])
        _ = try harness.server.seed([
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "reviews-v1-abc", "namespace": "shop", "labels": ["app": "reviews"],
                                                          "creationTimestamp": "2026-01-01T00:00:00Z"],
            "spec": ["containers": [["name": "reviews", "image": "reviews:1"]]],
            "status": ["phase": "Running"],
        ])
    }
}

/// The pure pieces: the drift target only moves with what was written; the queue deduplicates
/// and backs off per key.
@Suite struct DriftTargetAndQueueTests {
    func desired(_ timeouts: [String: String], revision: String = "r") throws -> DesiredState {
        var files: [SourceFile] = []
        for (name, timeout) in timeouts.sorted(by: { $0.key < $1.key }) {
            let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: \(name), namespace: shop}\nspec: {hosts: [\(name)], http: [{timeout: \(timeout), route: [{destination: {host: \(name)}}]}]}\n"
            files.append(SourceFile(path: "\(name).yaml", bytes: Array(text.utf8)))
        }
        return try Renderer(defaultInstance: "shop").render(files)
    }

    func key(_ name: String) -> ObjectKey { ObjectKey(group: "networking.istio.io", kind: "VirtualService", namespace: "shop", name: name) }

    func change(_ name: String, _ action: PlannedChange.Action) -> PlannedChange {
        PlannedChange(key: key(name), apiVersion: "networking.istio.io/v1", action: action, bundle: nil, source: nil, diff: "")
    }

    @Test func onlyAppliedOrUnchangedObjectsMoveToTheNewRevision() throws {
        let first = try desired(["a": "1s", "b": "1s", "c": "1s"])
        var target = DriftTarget(instance: "shop", mode: .correct, revision: "r1")
        target = target.advanced(by: first, plan: Plan(mode: .live, instance: "shop", environment: nil), execution: nil, mode: .correct, revision: "r1")
        #expect(target.objects.count == 3)

        // r2 changes a (applied), b (failed) and c (interrupted); d is new and applied.
        let second = try desired(["a": "2s", "b": "2s", "c": "2s", "d": "2s"])
        var plan = Plan(mode: .live, instance: "shop", environment: nil)
        plan.changes = [change("a", .update), change("b", .update), change("c", .update), change("d", .create)]
        let execution = PlanExecution(outcomes: [
            ApplyOutcome(change: plan.changes[0], result: .applied), ApplyOutcome(change: plan.changes[1], result: .failed("boom")),
            ApplyOutcome(change: plan.changes[2], result: .skipped("interrupted")), ApplyOutcome(change: plan.changes[3], result: .applied),
        ], restarts: [], restartsHeldBack: 0)
        let next = target.advanced(by: second, plan: plan, execution: execution, mode: .correct, revision: "r2")
        #expect(next.objects[key("a")]?.revision == "r2")
        #expect(next.objects[key("b")]?.revision == "r1")
        #expect(next.objects[key("c")]?.revision == "r1")
        #expect(next.objects[key("d")]?.revision == "r2")

        // r3 drops c: it is no longer corrected.
        let third = try desired(["a": "2s", "b": "2s", "d": "2s"])
        let last = next.advanced(by: third, plan: Plan(mode: .live, instance: "shop", environment: nil), execution: nil, mode: .report, revision: "r3")
        #expect(last.objects[key("c")] == nil)
        #expect(last.mode == .report)
    }

    @Test func theQueueKeepsOneEntryPerObjectAndBacksOffRepeats() async throws {
        let clock = Locked(ContinuousClock.now)
        let queue = DriftQueue(baseDelay: .seconds(1), maxDelay: .seconds(60), now: { clock.current })
        let observation = DriftObservation(key: key("a"), deleted: false, paths: ["spec.x"], managers: [], uid: nil)
        queue.add(observation)
        queue.add(DriftObservation(key: key("a"), deleted: false, paths: ["spec.y"], managers: [], uid: nil))
        #expect(queue.count == 1)
        #expect(await queue.next()?.paths == ["spec.y"])

        // Drifting again at once: it waits 1 s, then 2 s, then 4 s after each handling.
        for expected in [1.0, 2.0, 4.0] {
            queue.add(observation)
            let delay = try await firstDelay(queue, clock: clock)
            #expect(abs(delay - expected) < 0.025, "waited \(delay) s, expected \(expected) s")
        }
        // Quiet for longer than maxDelay: forgotten, handled at once again.
        clock.withLock { $0 = $0 + .seconds(120) }
        queue.add(observation)
        #expect(try await firstDelay(queue, clock: clock) < 0.025)
    }

    /// Steps the injected clock in 10 ms until the queue hands out its entry; returns the wait.
    func firstDelay(_ queue: DriftQueue, clock: Locked<ContinuousClock.Instant>) async throws -> Double {
        var waited = 0.0
        while true {
            let next = Task { await queue.next() }
            try await Task.sleep(for: .milliseconds(2))
            next.cancel()
            if await next.value != nil { return waited }
            clock.withLock { $0 = $0 + .milliseconds(10) }
            waited += 0.01
            if waited > 10 { return waited }
        }
    }
}
