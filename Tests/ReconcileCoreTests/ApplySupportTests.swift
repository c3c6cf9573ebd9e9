import Foundation
import ReconcileCore
import Testing
import YAML

/// The pure pieces apply relies on: saved plan files, rollout status, failure dependencies.
@Suite struct ApplySupportTests {
    func examplePlan() throws -> Plan {
        let path = repositoryRoot.appendingPathComponent("examples/aks-pets").path
        let all = try directoryFiles(path)
        let desired = try Renderer(defaultInstance: "aks-pets").render(all.filter { $0.path != "live-snapshot.yaml" })
        let live = try LiveState.snapshot(all.first { $0.path == "live-snapshot.yaml" }!.bytes, file: "live-snapshot.yaml")
        return Planner(desired: desired, live: live).plan()
    }

    @Test func savedPlanRoundTripsWithBodiesAndResourceVersions() throws {
        let plan = try examplePlan()
        let text = PlanFile.encode(plan)
        let decoded = try PlanFile.decode(Array(text.utf8), file: "plan.json")
        #expect(decoded.changes.map(\.key) == plan.changes.map(\.key))
        #expect(decoded.changes.map(\.action) == plan.changes.map(\.action))
        #expect(decoded.changes.map(\.apiVersion) == plan.changes.map(\.apiVersion))
        #expect(decoded.changes.map { $0.body?.withoutMarks } == plan.changes.map { $0.body?.withoutMarks })
        #expect(decoded.changes.map(\.liveResourceVersion) == plan.changes.map(\.liveResourceVersion))
        #expect(decoded.changes.first?.labelsOnly == true)
        #expect(decoded.restarts == plan.restarts)
        #expect(decoded.instance == "aks-pets")
        #expect(decoded.settings == plan.settings)
    }

    @Test func editedPlanFileIsRefused() throws {
        let text = PlanFile.encode(try examplePlan()).replacingOccurrences(of: "STRICT", with: "DISABLE")
        #expect {
            _ = try PlanFile.decode(Array(text.utf8), file: "plan.json")
        } throws: { error in
            "\(error)".contains("digest mismatch")
        }
    }

    @Test func revisionPlansCannotBeApplied() throws {
        let state = try render(["vs.yaml": virtualServiceYAML])
        let text = PlanFile.encode(RevisionComparer(base: state, head: state).plan())
        #expect(throws: PlanFile.Error.self) { try PlanFile.decode(Array(text.utf8), file: "p.json") }
    }

    @Test(arguments: [
        ("kind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 1}", "progressing"),
        ("kind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2}", "progressing"),
        ("kind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1}", "progressing"),
        ("kind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}", "complete"),
        ("kind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 2, conditions: [{type: Progressing, reason: ProgressDeadlineExceeded}]}", "failed"),
        ("kind: StatefulSet\nmetadata: {generation: 3}\nspec: {replicas: 3}\nstatus: {observedGeneration: 3, readyReplicas: 3, currentRevision: a, updateRevision: b}", "progressing"),
        ("kind: StatefulSet\nmetadata: {generation: 3}\nspec: {replicas: 3}\nstatus: {observedGeneration: 3, readyReplicas: 3, currentRevision: b, updateRevision: b}", "complete"),
        ("kind: StatefulSet\nmetadata: {generation: 3}\nspec: {replicas: 1, updateStrategy: {type: OnDelete}}\nstatus: {observedGeneration: 3}", "failed"),
        ("kind: DaemonSet\nmetadata: {generation: 1}\nstatus: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2}", "progressing"),
        ("kind: DaemonSet\nmetadata: {generation: 1}\nstatus: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3}", "complete"),
    ])
    func rolloutStatus(yaml: String, expected: String) throws {
        let status = RolloutStatus.of(try node(yaml))
        switch status {
        case .complete: #expect(expected == "complete")
        case .progressing: #expect(expected == "progressing")
        case .failed: #expect(expected == "failed")
        }
    }

    @Test func restartPatchIsKubectlsAnnotation() {
        let patch = RolloutStatus.restartPatch(at: "2026-11-22T10:00:00Z")
        #expect(patch.jsonString() == #"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-22T10:00:00Z"}}}}}"#)
    }

    @Test func failuresStopOnlyTheirDependents() throws {
        let config = try RepoConfig.parse(Array("bundles: [{name: base, path: b}, {name: mesh, path: m, needs: [base]}, {name: other, path: o}]".utf8))
        let dependencies = ApplyDependencies(config: config)
        func change(_ kind: String, _ ns: String, _ name: String, bundle: String?, step: Int, group: String = "networking.istio.io") -> PlannedChange {
            var c = PlannedChange(key: ObjectKey(group: group, kind: kind, namespace: ns, name: name), apiVersion: "v1", action: .create, bundle: bundle, source: nil, diff: "")
            c.step = step
            return c
        }
        let namespace = change("Namespace", "", "shop", bundle: "base", step: 1, group: "")
        let sidecar = change("Sidecar", "shop", "s", bundle: "other", step: 2)
        let dr = change("DestinationRule", "web", "d", bundle: "other", step: 3)
        let vs = change("VirtualService", "web", "v", bundle: "other", step: 4)
        let meshObject = change("Gateway", "gw", "g", bundle: "mesh", step: 5)
        let unrelated = change("Gateway", "other", "x", bundle: "other", step: 6)
        #expect(dependencies.change(sidecar, dependsOn: namespace))
        #expect(dependencies.change(meshObject, dependsOn: namespace), "mesh needs base")
        #expect(dependencies.change(vs, dependsOn: dr))
        #expect(!dependencies.change(dr, dependsOn: vs))
        #expect(!dependencies.change(unrelated, dependsOn: namespace))
        #expect(!dependencies.change(unrelated, dependsOn: dr))
    }
}
