import ReconcileCore
import Testing
import YAML

/// Istio's injection rules and the restarts they imply, on workload/pod fixtures.
@Suite struct InjectionTests {
    @Test(arguments: [
        // template labels, namespace labels, injected?, revision
        ([:], ["istio-injection": "enabled"], true, nil),
        ([:], ["istio-injection": "disabled", "istio.io/rev": "asm-1-23"], false, nil),
        ([:], ["istio-injection": "enabled", "istio.io/rev": "asm-1-23"], true, nil),
        ([:], ["istio.io/rev": "asm-1-23"], true, "asm-1-23"),
        (["sidecar.istio.io/inject": "false"], ["istio.io/rev": "asm-1-23"], false, nil),
        (["istio.io/rev": "canary"], ["istio.io/rev": "asm-1-23"], true, "canary"),
        (["istio.io/rev": "asm-1-23"], [:], true, "asm-1-23"),
        (["sidecar.istio.io/inject": "true"], [:], true, nil),
        ([:], [:], false, nil),
    ] as [([String: String], [String: String], Bool, String?)])
    func wantedInjection(template: [String: String], namespace: [String: String], injected: Bool, revision: String?) {
        let wanted = PodInjection.wanted(templateLabels: template, templateAnnotations: [:], namespaceLabels: namespace)
        #expect(wanted == PodInjection(injected: injected, revision: revision))
    }

    @Test func runningInjectionReadsTheStatusAnnotationNotContainers() throws {
        let native = try node("""
        metadata:
          labels: {istio.io/rev: asm-1-22}
          annotations: {sidecar.istio.io/status: '{"initContainers":["istio-init","istio-proxy"],"containers":null,"revision":"asm-1-22"}'}
        spec: {containers: [{name: app}]}
        """)
        #expect(PodInjection.running(pod: native) == PodInjection(injected: true, revision: "asm-1-22"))
        let fromAnnotation = try node("""
        metadata:
          annotations: {sidecar.istio.io/status: '{"revision":"asm-1-23"}'}
        """)
        #expect(PodInjection.running(pod: fromAnnotation).revision == "asm-1-23")
        let plain = try node("metadata: {labels: {app: x}}\nspec: {containers: [{name: istio-proxy}]}")
        #expect(PodInjection.running(pod: plain) == .none)
    }

    @Test func defaultRevisionMatchesAnyRevision() {
        let onDefault = PodInjection(injected: true, revision: nil)
        let on22 = PodInjection(injected: true, revision: "asm-1-22")
        #expect(!on22.needsRestart(toGet: onDefault))
        #expect(on22.needsRestart(toGet: PodInjection(injected: true, revision: "asm-1-23")))
        #expect(PodInjection.none.needsRestart(toGet: onDefault))
        #expect(onDefault.needsRestart(toGet: .none))
    }

    static func workload(_ kind: String, _ name: String, templateLabels: String = "", annotations: String = "{}", paused: Bool = false) -> String {
        """
        apiVersion: apps/v1
        kind: \(kind)
        metadata: {name: \(name), namespace: shop, annotations: \(annotations)}
        spec:
          paused: \(paused)
          selector: {matchLabels: {app: \(name)}}
          template:
            metadata: {labels: {app: \(name)\(templateLabels)}}
        """
    }

    static func pod(_ name: String, app: String, revision: String? = nil, owner: String? = nil) -> String {
        let injected = revision.map { ", annotations: {sidecar.istio.io/status: '{\"revision\":\"\($0)\"}'}" } ?? ""
        let rev = revision.map { ", istio.io/rev: \($0)" } ?? ""
        let ownerRef = owner.map { ", ownerReferences: [{kind: \($0), name: x}]" } ?? ""
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: \(name), namespace: shop, labels: {app: \(app)\(rev)}\(injected)\(ownerRef)}\nstatus: {phase: Running}"
    }

    func restarts(namespaceLabels: [String: String], _ objects: [String]) throws -> (restarts: [PlannedRestart], manual: [ManualRestart]) {
        let live = try snapshot(objects.joined(separator: "\n---\n"))
        return RestartPlanner(namespaceLabels: ["shop": namespaceLabels], live: live).plan()
    }

    @Test func revisionUpgradeRestartsOnlyStaleWorkloads() throws {
        let result = try restarts(namespaceLabels: ["istio.io/rev": "asm-1-23"], [
            Self.workload("Deployment", "web"), Self.pod("web-1", app: "web", revision: "asm-1-22"),
            Self.workload("Deployment", "api"), Self.pod("api-1", app: "api", revision: "asm-1-23"),
            Self.workload("DaemonSet", "agent", templateLabels: ", sidecar.istio.io/inject: 'false'"), Self.pod("agent-1", app: "agent"),
            Self.workload("StatefulSet", "db"), Self.pod("db-0", app: "db", revision: "asm-1-22"), Self.pod("db-1", app: "db", revision: "asm-1-23"),
        ])
        #expect(result.restarts.map(\.workload.name) == ["web", "db"])
        #expect(result.restarts.first?.reason == "1 pod on revision asm-1-22; namespace now selects asm-1-23")
        #expect(result.restarts.last?.reason == "1 of 2 pods on revision asm-1-22; namespace now selects asm-1-23")
        #expect(result.manual.isEmpty)
    }

    @Test func pausedOptedOutAndUnownedPodsNeedManualAction() throws {
        let result = try restarts(namespaceLabels: ["istio-injection": "enabled"], [
            Self.workload("Deployment", "paused", paused: true), Self.pod("paused-1", app: "paused"),
            Self.workload("Deployment", "optout", annotations: "{reconcile.dev/restart: disabled}"), Self.pod("optout-1", app: "optout"),
            Self.pod("batch-1", app: "batch", owner: "Job"),
            Self.pod("bare", app: "bare"),
        ])
        #expect(result.restarts.isEmpty)
        #expect(result.manual.map(\.object.name) == ["optout", "paused", "bare", "batch-1"])
        #expect(result.manual.first { $0.object.name == "paused" }?.reason.contains("paused") == true)
        #expect(result.manual.first { $0.object.name == "batch-1" }?.reason.contains("owned by Job x") == true)
        #expect(result.manual.first { $0.object.name == "bare" }?.reason.contains("a bare Pod") == true)
    }

    @Test func disablingInjectionRestartsInjectedWorkloads() throws {
        let result = try restarts(namespaceLabels: ["istio-injection": "disabled"], [
            Self.workload("Deployment", "web"), Self.pod("web-1", app: "web", revision: "default"),
        ])
        #expect(result.restarts.map(\.reason) == ["1 pod injected (default revision); namespace now disables injection"])
    }

    @Test func bothInjectionLabelsAreFlagged() throws {
        let desired = try render(["reconcile.yaml": "namespaces: {shop: {revision: asm-1-23}}"])
        let live = try snapshot("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}")
        let plan = Planner(desired: desired, live: live).plan()
        #expect(plan.findings.map(\.code).filter { !$0.hasPrefix("POL") } == ["IST0123"])
        #expect(plan.changes.first?.labelsOnly == true)
        #expect(plan.injectionChanges.isEmpty, "istio-injection still wins, so effective injection does not change")
    }

    @Test func shorthandDoesNotCreateMissingNamespaces() throws {
        let desired = try render(["reconcile.yaml": "namespaces: {ghost: enabled}"])
        let plan = Planner(desired: desired, live: LiveState()).plan()
        #expect(plan.changes.isEmpty)
        #expect(plan.findings.map(\.code) == ["RC2001"])
    }

    @Test func restartsDisabledInConfigBecomeManual() throws {
        let desired = try render(["reconcile.yaml": "namespaces: {shop: enabled}\nrestart: {enabled: false}"])
        let live = try snapshot(["apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}", Self.workload("Deployment", "web"), Self.pod("web-1", app: "web")].joined(separator: "\n---\n"))
        let plan = Planner(desired: desired, live: live).plan()
        #expect(plan.restarts.isEmpty)
        #expect(plan.manualRestarts.first?.reason.hasSuffix("restart.enabled is false in reconcile.yaml") == true)
        #expect(plan.injectionChanges.map(\.namespace) == ["shop"])
    }
}
