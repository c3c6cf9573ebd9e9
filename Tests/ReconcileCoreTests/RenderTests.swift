import Foundation
import ReconcileCore
import Testing
import YAML

@Suite struct RenderTests {
    @Test func withoutConfigEveryManifestIsOneBundle() throws {
        let state = try render(["ns.yaml": namespaceYAML, "mesh/vs.yaml": virtualServiceYAML, ".github/workflows/ci.yml": "on: push"], instance: "My_Repo.git")
        #expect(state.objects.count == 2)
        #expect(state.instance == "my-repo")
        #expect(Set(state.objects.map(\.bundle)) == ["default"])
    }

    @Test func stampsTrackingLabelsAndSource() throws {
        let state = try render(["mesh/vs.yaml": virtualServiceYAML])
        let vs = try #require(state.objects.first)
        #expect(vs.labels["app.kubernetes.io/managed-by"] == "reconcile")
        #expect(vs.labels["reconcile.dev/instance"] == "test")
        #expect(vs.labels["reconcile.dev/bundle"] == "default")
        #expect(vs.annotations["reconcile.dev/source"] == "mesh/vs.yaml")
        #expect(vs.key == ObjectKey(group: "networking.istio.io", kind: "VirtualService", namespace: "shop", name: "web"))
        #expect(vs.source.line == 1)
    }

    @Test func stampingKeepsTheManifestsOwnLabelsAnnotationsAndOrder() throws {
        let state = try render(["mesh/vs.yaml": """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: web
              namespace: shop
              labels: {app: web, reconcile.dev/bundle: stale}
              annotations: {owner: team-a}
            spec: {hosts: [web]}
            """])
        let vs = try #require(state.objects.first)
        #expect(vs.body["metadata"]?.entries?.map(\.key) == ["name", "namespace", "labels", "annotations"])
        #expect(vs.body[path: ["metadata", "labels"]]?.entries?.map(\.key)
                == ["app", "reconcile.dev/bundle", "app.kubernetes.io/managed-by", "reconcile.dev/instance"])
        #expect(vs.labels["app"] == "web")
        #expect(vs.labels["reconcile.dev/bundle"] == "default")
        #expect(vs.annotations == ["owner": "team-a", "reconcile.dev/source": "mesh/vs.yaml"])
        #expect(vs.body[path: ["metadata", "labels"]]?.mark?.line == 6)  // edited in place, marks kept
    }

    @Test(arguments: [
        ("web", true), ("a", true), ("0-web.v2", true), ("a.b.c", true), (String(repeating: "a", count: 63) + ".b", true),
        ("-web", false), ("web-", false), ("a..b", false), (".a", false), ("a.", false), ("we_b", false), ("Web", false),
        (String(repeating: "a", count: 64), false), (String(repeating: "a.", count: 127) + "a", false), ("wéb", false),
    ])
    func objectNamesAreDNSSubdomains(name: String, valid: Bool) {
        let error = renderError(["np.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: "\(name)", namespace: shop}
            spec: {podSelector: {}}
            """])
        #expect((error == nil) == valid, "\(name): \(error.map { "\($0)" } ?? "accepted")")
        if !valid { #expect(error?.message.contains("is not a valid Kubernetes name") == true) }
    }

    @Test func bundlesPickFilesByDirectoryAndGlobAndDefaultTheNamespace() throws {
        let state = try render([
            "reconcile.yaml": """
            name: demo
            bundles:
              - {name: policies, path: "policies/**/*.yaml", namespace: shop}
              - {name: routes, path: routes, namespace: shop, labels: {tier: mesh}}
            """,
            "routes/a/vs.yaml": virtualServiceYAML.replacingOccurrences(of: "  namespace: shop\n", with: ""),
            "policies/deep/np.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny}
            spec: {podSelector: {}, policyTypes: [Ingress]}
            """,
            "other/ignored.yaml": virtualServiceYAML,
        ])
        #expect(state.objects.map(\.key.name).sorted() == ["deny", "web"])
        #expect(state.objects.allSatisfy { $0.key.namespace == "shop" })
        #expect(state.objects.first { $0.key.name == "deny" }?.bundle == "policies")
    }

    @Test func selectorRestrictsBundlesAndTheNamespaceShorthand() throws {
        let config = """
        bundles:
          - {name: base, path: base, labels: {tier: base}}
          - {name: mesh, path: mesh, labels: {tier: mesh}}
        namespaces: {shop: enabled}
        """
        let all = ["reconcile.yaml": config, "base/ns.yaml": namespaceYAML.replacingOccurrences(of: "shop", with: "other"), "mesh/vs.yaml": virtualServiceYAML]
        let mesh = try render(all, selector: "tier=mesh")
        #expect(mesh.objects.map(\.key.kind) == ["VirtualService"])
        #expect(mesh.namespaceInjection.isEmpty)
        #expect(mesh.covers(bundle: "mesh") && !mesh.covers(bundle: "base"))
        let everything = try render(all)
        #expect(everything.objects.count == 2)
        #expect(everything.namespaceInjection["shop"]?.injection == .enabled)
    }

    @Test func substitutesEnvironmentValuesWithDefaults() throws {
        let config = """
        values: {revision: asm-1-22, gateway: ingress}
        environments:
          prod: {values: {revision: asm-1-23}}
        bundles: [{name: ns, path: ns}]
        """
        let manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
          labels:
            istio.io/rev: ${revision}
            gw: ${gateway}
            tier: ${tier:=gold}
            escaped: $${literal}
        """
        // The operator lets this instance set the extra namespace labels.
        let scope = Scope(namespaceLabelKeys: Scope.defaultNamespaceLabelKeys + ["gw", "tier", "escaped"])
        let staging = try render(["reconcile.yaml": config, "ns/ns.yaml": manifest], scope: scope)
        #expect(staging.objects[0].labels["istio.io/rev"] == "asm-1-22")
        let prod = try render(["reconcile.yaml": config, "ns/ns.yaml": manifest], environment: "prod", scope: scope)
        #expect(prod.objects[0].labels["istio.io/rev"] == "asm-1-23")
        #expect(prod.objects[0].labels["tier"] == "gold")
        #expect(prod.objects[0].labels["escaped"] == "${literal}")
        #expect(prod.environment == "prod")
        #expect(prod.namespaceInjection["shop"]?.injection == .revision("asm-1-23"))
    }

    @Test func unsetVariableIsReportedAtItsColumn() throws {
        let diagnostic = try #require(renderError(["ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n"]))
        #expect(diagnostic.file == "ns.yaml")
        #expect(diagnostic.mark == Mark(line: 4, column: 9))
        #expect(diagnostic.message.contains("variable \"name\" is not set"))
        #expect(diagnostic.description.contains("  name: ${name}"))
        #expect(diagnostic.description.contains("        ^"))
    }

    @Test func expandsListDocuments() throws {
        let list = """
        apiVersion: v1
        kind: List
        items:
        - \(virtualServiceYAML.split(separator: "\n").joined(separator: "\n  "))
        """
        let state = try render(["list.yaml": list])
        #expect(state.objects.map(\.key.name) == ["web"])
    }

    @Test func namespaceShorthandMergesIntoANamespaceManifest() throws {
        let state = try render([
            "reconcile.yaml": "bundles: [{name: ns, path: ns}]\nnamespaces:\n  shop: enabled\n  pets: {revision: asm-1-23}\n",
            "ns/shop.yaml": namespaceYAML.replacingOccurrences(of: "    istio-injection: enabled\n", with: "    team: a\n"),
        ])
        let shop = try #require(state.objects.first)
        #expect(shop.labels["istio-injection"] == "enabled")
        #expect(state.namespaceInjection["shop"]?.fromManifest == true)
        #expect(state.namespaceInjection["pets"]?.fromManifest == false)
        #expect(state.namespaceInjection["pets"]?.injection == .revision("asm-1-23"))
    }

    @Test func conflictingInjectionBetweenShorthandAndManifestIsAnError() throws {
        let diagnostic = try #require(renderError([
            "reconcile.yaml": "bundles: [{name: ns, path: ns}]\nnamespaces:\n  shop: disabled\n",
            "ns/shop.yaml": namespaceYAML,
        ]))
        #expect(diagnostic.message.contains("namespaces: asks for istio-injection=disabled but its manifest at ns/shop.yaml:1 sets istio-injection=enabled"))
    }

    @Test func allErrorsOfARenderAreReported() {
        do {
            _ = try render(["a.yaml": "kind: Secret\napiVersion: v1\nmetadata: {name: x}\n", "b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n"])
            Issue.record("expected an error")
        } catch let error as RenderError {
            #expect(error.diagnostics.count == 2)
            #expect(error.diagnostics.map(\.file).sorted() == ["a.yaml", "b.yaml"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func calicoStorageGroupIsRefusedWithAHint() throws {
        let diagnostic = try #require(renderError(["np.yaml": "apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: a}\n"]))
        #expect(diagnostic.message.contains("Use apiVersion: projectcalico.org/v3 instead"))
        #expect(diagnostic.mark?.line == 2)
    }

    @Test func versionsOfOneKindAreOneIdentity() throws {
        let v1beta1 = virtualServiceYAML.replacingOccurrences(of: "networking.istio.io/v1", with: "networking.istio.io/v1beta1")
        let diagnostic = try #require(renderError(["a.yaml": virtualServiceYAML, "b.yaml": v1beta1]))
        #expect(diagnostic.message.contains("VirtualService shop/web is defined twice: first at a.yaml:1"))
        #expect(diagnostic.file == "b.yaml")
    }

    @Test(arguments: [
        ("My Repo", "my-repo"), ("git@github.com:org/Mesh-Config.git", "mesh-config"), ("https://x/y/z/", "z"), ("___", "default"),
    ])
    func instanceNames(raw: String, expected: String) {
        #expect(Renderer.instanceName(fromRepoName: raw) == expected)
    }
}
