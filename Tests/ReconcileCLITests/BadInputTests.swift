import Executors
import Foundation
import ReconcileTestSupport
import Testing

/// One directory of `BadInput/`: a small config repository that must be refused.
struct BadInputCase: Sendable, CustomTestStringConvertible {
    /// Directory under `BadInput/`.
    var name: String
    /// A substring of the error message.
    var message: String
    /// `file:line:col` (or just `file`) the error must name, repository-relative.
    var location: String
    /// Further text the error output must contain (the other place of a duplicate, a hint...).
    var also: [String] = []
    /// The excerpt shows the line after `${…}` substitution (what was refused), not the file's.
    var substituted = false
    /// Extra flags for both commands (`BadInput/_arguments.txt`).
    var arguments: [String] { Corpus.arguments[name] ?? [] }
    /// A core defect this case currently exposes (reported to the lead); the case is written as
    /// the behaviour should be and fails loudly once the defect is fixed, so the note is removed.

    var testDescription: String { name }

    /// Whether the location carries a line (then the source line and a caret must be printed).
    var hasLine: Bool { location.split(separator: ":").count >= 3 }
    var file: String { String(location.split(separator: ":").first ?? "") }
}

/// The corpus: every way a config repository can be malformed that a reviewer must be told about,
/// with the exact place the error must point at.
let badInputCases: [BadInputCase] = [
    // MARK: YAML syntax
    BadInputCase(name: "yaml-unclosed-quote", message: "found unexpected end of stream while scanning a quoted scalar",
                 location: "mesh/vs.yaml:6:11"),
    BadInputCase(name: "yaml-bad-indentation", message: "mapping values are not allowed in this context",
                 location: "mesh/vs.yaml:5:10"),
    BadInputCase(name: "yaml-unclosed-flow-sequence", message: "did not find expected ',' or ']' while parsing a flow sequence",
                 location: "mesh/vs.yaml:7:7", also: ["that started at line 6"]),
    BadInputCase(name: "yaml-tab-indentation", message: "tabs are not allowed for indentation in YAML",
                 location: "mesh/dr.yaml:6:1"),
    BadInputCase(name: "yaml-duplicate-key", message: "duplicate key \"host\"",
                 location: "mesh/dr.yaml:10:3", also: ["(first defined at line 6)"]),
    BadInputCase(name: "yaml-unknown-alias", message: "unknown alias \"subsets\"", location: "mesh/dr.yaml:7:12"),
    BadInputCase(name: "yaml-alias-bomb", message: "document expands too many aliases (possible alias bomb)",
                 location: "mesh/bomb.yaml:10:10"),
    BadInputCase(name: "yaml-deep-alias-chain",
                 message: "nesting is too deep (more than 1000 levels) once alias \"a98\" is expanded",
                 location: "mesh/deep.yaml:105:23", also: ["it is used 12 levels deep and its anchor nests 990 more"]),
    BadInputCase(name: "yaml-non-utf8", message: "file is not valid UTF-8 (invalid byte 0xE9)", location: "mesh/vs.yaml:6:15"),

    // MARK: Kinds: unknown, forbidden, Calico's storage group
    BadInputCase(name: "kind-unknown", message: "kind Widget (example.com/v1) is not allowed", location: "mesh/widget.yaml:2:1",
                 also: ["reconcile only manages Istio, Calico and Kubernetes network policy objects"]),
    BadInputCase(name: "kind-misspelled-istio", message: "kind VirtualServce is not in the allowlist for networking.istio.io",
                 location: "mesh/vs.yaml:2:1", also: ["networking.istio.io VirtualService"]),
    BadInputCase(name: "kind-clusterrolebinding", message: "kind ClusterRoleBinding (rbac.authorization.k8s.io/v1) is not allowed",
                 location: "mesh/crb.yaml:2:1"),
    BadInputCase(name: "kind-role", message: "kind Role (rbac.authorization.k8s.io/v1) is not allowed", location: "mesh/role.yaml:2:1"),
    BadInputCase(name: "kind-secret", message: "kind Secret is not in the allowlist for the core group", location: "mesh/secret.yaml:2:1"),
    BadInputCase(name: "kind-deployment", message: "kind Deployment (apps/v1) is not managed by reconcile",
                 location: "mesh/deploy.yaml:2:1", also: ["workloads are only restarted when their sidecar injection changes"]),
    BadInputCase(name: "kind-daemonset", message: "kind DaemonSet (apps/v1) is not managed by reconcile", location: "mesh/ds.yaml:2:1"),
    BadInputCase(name: "kind-calico-crd-group", message: "crd.projectcalico.org/v1 is Calico's internal storage API",
                 location: "mesh/np.yaml:2:1", also: ["Use apiVersion: projectcalico.org/v3 instead"]),

    // MARK: Object identity
    BadInputCase(name: "missing-apiversion", message: "object has no apiVersion", location: "mesh/vs.yaml:1:1"),
    BadInputCase(name: "missing-kind", message: "object has no kind", location: "mesh/vs.yaml:1:1"),
    BadInputCase(name: "missing-metadata", message: "VirtualService has no metadata", location: "mesh/vs.yaml:1:1"),
    BadInputCase(name: "missing-metadata-name", message: "VirtualService has no metadata.name", location: "mesh/vs.yaml:3:1"),
    BadInputCase(name: "metadata-not-mapping", message: "metadata must be a mapping, got string", location: "mesh/vs.yaml:3:11"),
    BadInputCase(name: "name-uppercase", message: "metadata.name \"Reviews\" is not a valid Kubernetes name", location: "mesh/vs.yaml:4:9"),
    BadInputCase(name: "namespace-invalid", message: "metadata.namespace \"Demo_NS\" is not a valid name", location: "mesh/vs.yaml:5:14"),
    BadInputCase(name: "document-scalar", message: "expected a Kubernetes object (a mapping with apiVersion, kind and metadata), got a string",
                 location: "mesh/notes.yaml:2:1"),
    BadInputCase(name: "document-list", message: "expected a Kubernetes object (a mapping with apiVersion, kind and metadata), got a list",
                 location: "mesh/list.yaml:1:1"),

    // MARK: Scope
    BadInputCase(name: "scope-namespaced-without-namespace",
                 message: "VirtualService reviews has no metadata.namespace and bundle \"mesh\" sets no default namespace",
                 location: "mesh/vs.yaml:4:9"),
    BadInputCase(name: "scope-cluster-scoped-with-namespace", message: "GlobalNetworkPolicy is cluster-scoped: remove metadata.namespace",
                 location: "policies/gnp.yaml:5:14"),
    BadInputCase(name: "scope-namespace-with-spec",
                 message: "Namespace manifests may only set metadata.labels and metadata.annotations, found \"spec\"",
                 location: "namespaces/demo.yaml:7:1"),

    // MARK: Labels and annotations must be strings
    BadInputCase(name: "label-value-boolean", message: "metadata.labels.istio-injection must be a string, got boolean",
                 location: "mesh/ns.yaml:6:22", also: ["quote it (\"yes\")"]),
    BadInputCase(name: "label-value-number", message: "metadata.labels.version must be a string, got integer 2",
                 location: "mesh/dr.yaml:6:14", also: ["quote it (\"2\")"]),
    BadInputCase(name: "annotation-value-number", message: "metadata.annotations.sidecar.istio.io/proxyCPU must be a string, got integer 100",
                 location: "mesh/dr.yaml:6:32", also: ["quote it (\"100\")"]),

    // MARK: Duplicate objects
    BadInputCase(name: "duplicate-object-two-files", message: "VirtualService demo/reviews is defined twice",
                 location: "mesh/b.yaml:2:1", also: ["first at mesh/a.yaml:1"]),
    BadInputCase(name: "duplicate-object-one-file", message: "DestinationRule demo/reviews is defined twice",
                 location: "mesh/dr.yaml:8:1", also: ["first at mesh/dr.yaml:1"]),

    // MARK: Substitution and environments
    BadInputCase(name: "variable-unset", message: "variable \"gatewaySelector\" is not set", location: "mesh/gw.yaml:7:12",
                 also: ["${gatewaySelector:=value}"]),
    BadInputCase(name: "variable-unterminated", message: "unterminated variable reference", location: "mesh/gw.yaml:7:12"),
    BadInputCase(name: "variable-invalid-name", message: "invalid variable reference \"${gateway-selector}\"", location: "mesh/gw.yaml:7:12"),
    BadInputCase(name: "environment-unknown", message: "unknown environment \"qa\"", location: "reconcile.yaml",
                 also: ["defined: prod, staging"]),

    // MARK: reconcile.yaml
    BadInputCase(name: "config-needs-cycle-two", message: "bundles' needs form a cycle: a -> b -> a", location: "reconcile.yaml:2:11"),
    BadInputCase(name: "config-needs-cycle-three", message: "bundles' needs form a cycle: a -> b -> c -> a", location: "reconcile.yaml:2:11"),
    BadInputCase(name: "config-needs-unknown", message: "bundle \"mesh\" needs unknown bundle \"namespace\"", location: "reconcile.yaml:4:11"),
    BadInputCase(name: "config-duplicate-bundle", message: "duplicate bundle name \"mesh\"", location: "reconcile.yaml:8:11",
                 also: ["(first defined at line 2)"]),
    BadInputCase(name: "config-unknown-field", message: "unknown field \"bundels\" in reconcile.yaml", location: "reconcile.yaml:2:1",
                 also: ["(did you mean \"bundles\"?)"]),
    BadInputCase(name: "config-unknown-bundle-field", message: "unknown field \"paths\" in bundles[0]", location: "reconcile.yaml:3:5",
                 also: ["(did you mean \"path\"?)"]),
    BadInputCase(name: "config-bundle-missing-path", message: "bundles[0] (mesh): missing required field \"path\"", location: "reconcile.yaml:2:5"),
    BadInputCase(name: "config-bundle-name-invalid", message: "bundles[0].name \"Mesh_Bundle\" is not a valid name", location: "reconcile.yaml:2:11"),
    BadInputCase(name: "config-prune-maybe", message: "prune must be true or false", location: "reconcile.yaml:5:8"),
    BadInputCase(name: "config-max-concurrent-zero", message: "restart.maxConcurrent must be at least 1, got 0", location: "reconcile.yaml:7:18"),
    BadInputCase(name: "config-timeout-soon", message: "restart.timeout must be a duration such as 90s, 10m or 1h30m, got \"soon\"",
                 location: "reconcile.yaml:6:12"),
    BadInputCase(name: "config-drift-fix", message: "drift must be \"correct\" or \"report\", got \"fix\"", location: "reconcile.yaml:5:8"),
    BadInputCase(name: "config-injection-invalid", message: "namespaces.pets must be enabled, disabled or {revision: <name>}, got \"asm-1-23\"",
                 location: "reconcile.yaml:7:9"),
    BadInputCase(name: "config-injection-unknown-key", message: "unknown field \"revison\" in namespaces.pets", location: "reconcile.yaml:6:11",
                 also: ["(did you mean \"revision\"?)"]),
    BadInputCase(name: "config-injection-conflict",
                 message: "namespace pets: namespaces: asks for istio.io/rev=asm-1-23 but its manifest at namespaces/pets.yaml:1 sets istio-injection=enabled",
                 location: "reconcile.yaml:5:3"),
    BadInputCase(name: "config-not-a-mapping", message: "reconcile.yaml must be a mapping, got list", location: "reconcile.yaml:1:1"),
    BadInputCase(name: "config-two-documents", message: "reconcile.yaml must hold one YAML document, found 2", location: "reconcile.yaml:5:1"),
    BadInputCase(name: "config-yaml-syntax", message: "found unexpected end of stream while scanning a quoted scalar", location: "reconcile.yaml:4:16"),

    // MARK: Policies
    BadInputCase(name: "policy-expression-too-deep",
                 message: "spec.rules[0].validate.deny.conditions.any[0]: expression nests too deeply (more than 100 levels",
                 location: "policies/deep.yaml:18:22"),

    // MARK: Operator scope: protected namespaces, --namespaces, Namespace labels, --instance
    BadInputCase(name: "namespace-protected-kube-system",
                 message: "metadata.namespace: namespace kube-system is protected: reconcile never writes there (allow it with --allow-namespace kube-system)",
                 location: "mesh/vs.yaml:5:14"),
    BadInputCase(name: "namespace-protected-istio-system-envoyfilter",
                 message: "metadata.namespace: namespace istio-system is protected", location: "mesh/lua.yaml:6:14",
                 also: ["--allow-namespace istio-system"]),
    BadInputCase(name: "namespace-protected-bundle-default",
                 message: "metadata.namespace (bundle \"mesh\"'s default namespace): namespace aks-istio-system is protected",
                 location: "mesh/deny.yaml:4:9"),
    BadInputCase(name: "namespace-manifest-kube-system", message: "metadata.name: namespace kube-system is protected",
                 location: "namespaces/kube-system.yaml:4:9"),
    BadInputCase(name: "namespace-manifest-kube-node-lease", message: "metadata.name: namespace kube-node-lease is protected",
                 location: "namespaces/lease.yaml:4:9"),
    BadInputCase(name: "namespace-shorthand-kube-system", message: "namespaces.kube-system: namespace kube-system is protected",
                 location: "reconcile.yaml:7:3"),
    BadInputCase(name: "namespace-shorthand-kube-public", message: "namespaces.kube-public: namespace kube-public is protected",
                 location: "reconcile.yaml:6:3"),
    BadInputCase(name: "namespace-label-pod-security",
                 message: "metadata.labels.pod-security.kubernetes.io/enforce: namespace label pod-security.kubernetes.io/enforce is not one reconcile may set",
                 location: "namespaces/shop.yaml:7:5", also: ["--allow-namespace-labels"]),
    BadInputCase(name: "namespace-annotation-node-selector",
                 message: "metadata.annotations.scheduler.alpha.kubernetes.io/node-selector: namespace annotation scheduler.alpha.kubernetes.io/node-selector is not one reconcile may set",
                 location: "namespaces/shop.yaml:6:5", also: ["--allow-namespace-annotations"]),
    BadInputCase(name: "namespace-outside-scope",
                 message: "metadata.namespace: namespace team-b is outside this instance's scope (--namespaces team-a-*)",
                 location: "mesh/dr.yaml:5:14"),
    BadInputCase(name: "namespace-shorthand-outside-scope",
                 message: "namespaces.team-b: namespace team-b is outside this instance's scope (--namespaces team-a-*,team-c)",
                 location: "reconcile.yaml:6:3"),
    BadInputCase(name: "cluster-scoped-outside-scope",
                 message: "GlobalNetworkPolicy is cluster-scoped and this instance may only write namespaced objects (--namespaces team-a-*)",
                 location: "policies/gnp.yaml:2:1", also: ["--cluster-scoped"]),
    BadInputCase(name: "instance-name-differs",
                 message: "name: repository names itself \"payments-mesh\" but this reconcile is pinned to instance \"mesh\" (--instance)",
                 location: "reconcile.yaml:2:7"),

    // MARK: Security boundary v2: more protected namespaces, kinds, labels and scope (issue 17)
    BadInputCase(name: "namespace-manifest-kube-public", message: "metadata.name: namespace kube-public is protected: reconcile never writes there",
                 location: "mesh/ns.yaml:4:9", also: ["--allow-namespace kube-public"]),
    BadInputCase(name: "namespace-protected-aks-istio-system", message: "metadata.namespace: namespace aks-istio-system is protected",
                 location: "mesh/authz.yaml:5:14"),
    BadInputCase(name: "namespace-protected-istio-system-deny-all", message: "metadata.namespace: namespace istio-system is protected",
                 location: "mesh/authz.yaml:5:14"),
    BadInputCase(name: "namespace-shorthand-istio-system", message: "namespaces.istio-system: namespace istio-system is protected",
                 location: "reconcile.yaml:6:3"),
    BadInputCase(name: "namespace-shorthand-kube-node-lease", message: "namespaces.kube-node-lease: namespace kube-node-lease is protected",
                 location: "reconcile.yaml:6:3"),
    BadInputCase(name: "namespace-protected-list-item", message: "metadata.namespace: namespace kube-system is protected",
                 location: "mesh/list.yaml:14:18"),
    BadInputCase(name: "namespace-protected-via-variable", message: "metadata.namespace: namespace kube-system is protected",
                 location: "mesh/vs.yaml:5:14", substituted: true),
    BadInputCase(name: "namespace-label-pod-security-audit",
                 message: "namespace label pod-security.kubernetes.io/audit is not one reconcile may set", location: "mesh/ns.yaml:6:5"),
    BadInputCase(name: "namespace-label-metadata-name",
                 message: "namespace label kubernetes.io/metadata.name is not one reconcile may set", location: "mesh/ns.yaml:6:5"),
    BadInputCase(name: "namespace-label-ambient-dataplane",
                 message: "namespace label istio.io/dataplane-mode is not one reconcile may set", location: "mesh/ns.yaml:6:5",
                 also: ["--allow-namespace-labels"]),
    BadInputCase(name: "namespace-annotation-openshift-node-selector",
                 message: "namespace annotation openshift.io/node-selector is not one reconcile may set", location: "mesh/ns.yaml:6:5",
                 also: ["--allow-namespace-annotations"]),
    BadInputCase(name: "namespace-finalizers", message: "Namespace manifests may only set metadata.labels and metadata.annotations, found metadata.finalizers",
                 location: "mesh/ns.yaml:5:3"),
    BadInputCase(name: "namespace-outside-scope-bundle-default",
                 message: "metadata.namespace (bundle \"mesh\"'s default namespace): namespace team-b is outside this instance's scope",
                 location: "mesh/vs.yaml:4:9"),
    BadInputCase(name: "namespace-manifest-outside-scope", message: "metadata.name: namespace team-b is outside this instance's scope (--namespaces team-a-*)",
                 location: "mesh/ns.yaml:4:9"),
    BadInputCase(name: "cluster-scoped-tier-outside-scope", message: "Tier is cluster-scoped and this instance may only write namespaced objects",
                 location: "mesh/tier.yaml:2:1", also: ["--cluster-scoped"]),
    BadInputCase(name: "cluster-scoped-globalnetworkset-outside-scope",
                 message: "GlobalNetworkSet is cluster-scoped and this instance may only write namespaced objects", location: "mesh/gns.yaml:2:1"),
    BadInputCase(name: "kind-clusterrole", message: "kind ClusterRole (rbac.authorization.k8s.io/v1) is not allowed", location: "mesh/cr.yaml:2:1"),
    BadInputCase(name: "kind-serviceaccount", message: "kind ServiceAccount is not in the allowlist for the core group", location: "mesh/sa.yaml:2:1"),
    BadInputCase(name: "kind-configmap", message: "kind ConfigMap is not in the allowlist for the core group", location: "mesh/cm.yaml:2:1"),
    BadInputCase(name: "kind-mutatingwebhook", message: "kind MutatingWebhookConfiguration (admissionregistration.k8s.io/v1) is not allowed",
                 location: "mesh/mwc.yaml:2:1"),
    BadInputCase(name: "kind-validatingadmissionpolicy", message: "kind ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) is not allowed",
                 location: "mesh/vap.yaml:2:1"),
    BadInputCase(name: "kind-crd", message: "kind CustomResourceDefinition (apiextensions.k8s.io/v1) is not allowed", location: "mesh/crd.yaml:2:1"),
    BadInputCase(name: "kind-pod", message: "kind Pod is not in the allowlist for the core group", location: "mesh/pod.yaml:2:1"),
    BadInputCase(name: "kind-job", message: "kind Job (batch/v1) is not allowed", location: "mesh/job.yaml:2:1"),
    BadInputCase(name: "kind-statefulset", message: "kind StatefulSet (apps/v1) is not managed by reconcile", location: "mesh/sts.yaml:2:1"),
    BadInputCase(name: "kind-service", message: "kind Service is not in the allowlist for the core group", location: "mesh/svc.yaml:2:1"),
    BadInputCase(name: "kind-ingress", message: "kind Ingress is not in the allowlist for networking.k8s.io", location: "mesh/ing.yaml:2:1"),
    BadInputCase(name: "kind-case-variant", message: "kind virtualservice is not in the allowlist for networking.istio.io",
                 location: "mesh/vs.yaml:2:1", also: ["networking.istio.io VirtualService"]),
    BadInputCase(name: "kind-group-lookalike", message: "kind VirtualService (networking.istio.io.evil.example/v1) is not allowed",
                 location: "mesh/vs.yaml:2:1"),
    BadInputCase(name: "kind-calico-crd-globalnetworkpolicy", message: "GlobalNetworkPolicy in crd.projectcalico.org/v1 is Calico's internal storage API",
                 location: "mesh/gnp.yaml:2:1", also: ["projectcalico.org/v3"]),
    BadInputCase(name: "kind-list-item-secret", message: "kind Secret is not in the allowlist for the core group", location: "mesh/list.yaml:9:5"),
    BadInputCase(name: "instance-name-invalid", message: "name \"Payments_Mesh\" is not a valid name", location: "reconcile.yaml:1:7"),

    // MARK: Every error is reported, not just the first
    BadInputCase(name: "multiple-errors", message: "kind Secret is not in the allowlist", location: "mesh/a-secret.yaml:2:1",
                 also: ["error: mesh/b-vs.yaml:4:9: metadata.name \"Reviews\" is not a valid Kubernetes name"]),
]

@Suite("Bad input corpus", .onTestThreads, .timeLimit(.minutes(3)))
struct BadInputTests {
    @Test("validate refuses it, naming the place", arguments: badInputCases)
    func validate(_ testCase: BadInputCase) async throws {
        try await check(testCase, command: ["validate"])
    }

    @Test("plan against a snapshot refuses it and plans nothing", arguments: badInputCases)
    func plan(_ testCase: BadInputCase) async throws {
        try await check(testCase, command: ["plan", "--live-snapshot", Corpus.validSnapshot])
    }

    private func check(_ testCase: BadInputCase, command: [String]) async throws {
        let repo = try ScratchCopy(of: Corpus.directory + "/" + testCase.name)
        let result = await reconcile(command + ["--repo", repo.path] + testCase.arguments)

        #expect(result.code == 1, "\(result)")
        #expect(result.stdout.isEmpty, "nothing may be planned or reported as valid:\n\(result)")
        #expect(result.stderr.hasPrefix("error: "), "\(result)")
        #expect(result.stderr.contains(testCase.message), "\(result)")
        if testCase.hasLine {
            #expect(result.stderr.contains("error: \(testCase.location): "), "\(result)")
        } else {
            #expect(result.stderr.contains("error: \(testCase.location): \(testCase.message)"), "\(result)")
        }
        // The hints, and the source line with its caret.
        for text in testCase.also {
            #expect(result.stderr.contains(text), "missing \"\(text)\":\n\(result)")
        }
        if testCase.hasLine && testCase.substituted {
            #expect(result.stderr.contains(" |   namespace: kube-system\n"), "the excerpt shows the substituted value:\n\(result)")
        } else if testCase.hasLine {
            expectSourceLineAndCaret(in: result.stderr, location: testCase.location, sourceFile: repo.path + "/" + testCase.file)
        }
    }

    @Test("every corpus directory has a table entry and every entry a directory")
    func corpusAndTableAgree() {
        let onDisk = Set(Corpus.caseNames).subtracting(["ok-empty-bundle-path"])
        let inTable = Set(badInputCases.map(\.name))
        #expect(onDisk.subtracting(inTable).isEmpty, "directories without a table entry: \(onDisk.subtracting(inTable).sorted())")
        #expect(inTable.subtracting(onDisk).isEmpty, "table entries without a directory: \(inTable.subtracting(onDisk).sorted())")
        #expect(badInputCases.count >= 100)
        #expect(Set(badInputCases.map(\.name)).count == badInputCases.count, "duplicate case names")
    }

    @Test("the non-UTF-8 fixture really holds a byte that is not UTF-8")
    func nonUTF8FixtureIsIntact() throws {
        let data = try #require(FileManager.default.contents(atPath: Corpus.directory + "/yaml-non-utf8/mesh/vs.yaml"))
        #expect(data.contains(0xE9))
        #expect(String(data: data, encoding: .utf8) == nil)
    }

    @Test("non-UTF-8 bytes written at test time (a Latin-1 byte, an overlong sequence) are refused",
          arguments: [
              ([UInt8]("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: caf".utf8) + [0xE9] + [UInt8]("\n".utf8), "mesh/ns.yaml:4:12", "0xE9"),
              ([UInt8]("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels: {a: \"".utf8) + [0xC0, 0xAF] + [UInt8]("\"}\n".utf8),
               "mesh/ns.yaml:5:16", "0xC0"),
          ])
    func nonUTF8WrittenAtTestTime(bytes: [UInt8], location: String, byte: String) async throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.write("bundles:\n  - name: mesh\n    path: mesh\n", to: root + "/reconcile.yaml")
        try TestGit.write(bytes, to: root + "/mesh/ns.yaml")
        let result = await reconcile(["validate", "--repo", root])
        #expect(result.code == 1, "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("error: \(location): "), "\(result)")
        #expect(result.stderr.contains("not valid UTF-8"), "\(result)")
        #expect(result.stderr.contains(byte), "\(result)")
    }

    /// Inputs too big to keep in the corpus, written at test time: each must be refused with
    /// an error naming the file (and line, where there is one), by `validate` and by `plan`.
    @Test("inputs over the size limits are refused, naming the file",
          arguments: GeneratedBadInput.allCases, [["validate"], ["plan", "--live-snapshot", Corpus.validSnapshot]])
    func generatedInputOverALimit(_ input: GeneratedBadInput, command: [String]) async throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try input.write(to: root)
        let result = await reconcile(command + ["--repo", root])
        #expect(result.code == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("error: \(input.location): "), "\(result)")
        #expect(result.stderr.contains(input.message), "\(result)")
        #expect(result.stderr.utf8.count < 4_096, "the error must not echo the input:\n\(result.stderr.prefix(500))")
    }

    /// The other side of the nesting limit: a manifest whose aliases expand to just under it goes
    /// through every recursive walk of a plan (render, compare, diff, text and JSON output).
    @Test("a manifest nested just under the limit through aliases plans without crashing",
          arguments: [["--format", "text"], ["--format", "json"], ["--format", "markdown"]])
    func nestingUnderTheLimitPlans(format: [String]) async throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.write(GeneratedBadInput.config, to: root + "/reconcile.yaml")
        // Root, spec and 10 lists: 12 levels where `*a97` is used, and a97 nests 980 more.
        var text = GeneratedBadInput.manifest + "  x0: &a0 " + String(repeating: "[", count: 10) + "1" + String(repeating: "]", count: 10) + "\n"
        for k in 1...98 {
            text += "  x\(k): &a\(k) " + String(repeating: "[", count: 10) + "*a\(k - 1)" + String(repeating: "]", count: 10) + "\n"
        }
        try TestGit.write(text, to: root + "/mesh/vs.yaml")
        let result = await reconcile(["plan", "--repo", root, "--live-snapshot", Corpus.validSnapshot, "--detailed-exitcode"] + format)
        #expect(result.code == 2, "\(result.code): \(result.stderr.prefix(2_000))")
        #expect(result.stderr.isEmpty, "\(result.stderr.prefix(2_000))")
        #expect(result.stdout.contains("VirtualService demo/reviews") || result.stdout.contains("\"reviews\""), "\(result.stdout.prefix(2_000))")
    }

    @Test("a bundle path that matches no file is not an error")
    func emptyBundlePathIsFine() async throws {
        let repo = try ScratchCopy(of: Corpus.directory + "/ok-empty-bundle-path")
        let validate = await reconcile(["validate", "--repo", repo.path])
        #expect(validate.code == 0, "\(validate)")
        #expect(validate.stderr.isEmpty)
        #expect(validate.stdout.contains("1 object in 1 bundle"), "\(validate)")

        let plan = await reconcile(["plan", "--repo", repo.path, "--live-snapshot", Corpus.validSnapshot, "--detailed-exitcode"])
        #expect(plan.code == 2, "\(plan)")
        #expect(plan.stderr.isEmpty, "\(plan)")
        #expect(plan.stdout.contains("+ create VirtualService demo/reviews"), "\(plan)")
        #expect(plan.stdout.contains("Plan: 1 to create, 0 to update, 0 to delete, 0 workloads to restart."), "\(plan)")
    }

    @Test("a file no bundle selects is named in a warning, and ignore: silences it")
    func unselectedFileWarns() async throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.write(GeneratedBadInput.config, to: root + "/reconcile.yaml")
        try TestGit.write(GeneratedBadInput.manifest, to: root + "/mesh/vs.yaml")
        try TestGit.write(GeneratedBadInput.manifest.replacingOccurrences(of: "reviews", with: "ratings"), to: root + "/mseh/typo.yaml")
        try TestGit.write("# not a manifest\n", to: root + "/README.md")
        try TestGit.write("on: push\n", to: root + "/.github/workflows/plan.yaml")
        let warning = "warning: mseh/typo.yaml: no bundle's path selects this file, so it is ignored (add it to a bundle's path, or list it under ignore: in reconcile.yaml)\n"
        let validate = await reconcile(["validate", "--repo", root])
        #expect(validate.code == 0, "\(validate)")
        #expect(validate.stderr == warning, "\(validate)")
        let plan = await reconcile(["plan", "--repo", root, "--live-snapshot", Corpus.validSnapshot])
        #expect(plan.code == 0, "\(plan)")
        #expect(plan.stderr == warning, "\(plan)")
        #expect(!plan.stdout.contains("ratings"), "\(plan)")
        try TestGit.write(GeneratedBadInput.config + "ignore: [mseh]\n", to: root + "/reconcile.yaml")
        let quiet = await reconcile(["validate", "--repo", root])
        #expect(quiet.code == 0 && quiet.stderr.isEmpty, "\(quiet)")
    }

    @Test("--instance: a repository without name: takes the pinned instance; a matching name: plans")
    func pinnedInstancePlans() async throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.write(GeneratedBadInput.config, to: root + "/reconcile.yaml")
        try TestGit.write(GeneratedBadInput.manifest, to: root + "/mesh/vs.yaml")
        let unnamed = await reconcile(["plan", "--repo", root, "--live-snapshot", Corpus.validSnapshot, "--instance", "mesh-a", "--format", "json"])
        #expect(unnamed.code == 0, "\(unnamed)")
        #expect(unnamed.stdout.contains("mesh-a"), "\(unnamed)")
        try TestGit.write("name: mesh-a\n" + GeneratedBadInput.config, to: root + "/reconcile.yaml")
        let named = await reconcile(["plan", "--repo", root, "--live-snapshot", Corpus.validSnapshot, "--instance", "mesh-a"])
        #expect(named.code == 0, "\(named)")
    }
}

/// The built executable, as a user runs it: a crash (a trap, a signal) would show here as a
/// signal exit instead of the error code 1. Skipped when SwiftPM did not build the binary.
/// A suite of its own: a hundred processes need more than the corpus suite's minute when the
/// rest of the parallel suite shares the two cores.
@Suite("The reconcile executable on the bad-input corpus", .onTestThreads, .timeLimit(.minutes(5)))
struct BadInputExecutableTests {
    @Test("the reconcile executable exits 1 (never crashes) on every corpus case",
          .enabled(if: RepoPaths.executable != nil, "the reconcile executable is not built next to the test bundle"))
    func executableNeverCrashes() async throws {
        let executable = try #require(RepoPaths.executable)
        // Two processes at a time, each waited for off the cooperative pool.
        let halves = [badInputCases.enumerated().filter { $0.offset % 2 == 0 }.map(\.element),
                      badInputCases.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)]
        let problems = try await withThrowingTaskGroup(of: [String].self) { group in
            for cases in halves {
                group.addTask {
                    try await BlockingExecutor.shared.run {
                        try cases.compactMap { testCase -> String? in
                            let repo = try ScratchCopy(of: Corpus.directory + "/" + testCase.name)
                            let (status, reason, stderr) = try runProcess(executable, ["validate", "--repo", repo.path] + testCase.arguments)
                            guard reason == .exit, status == 1, stderr.hasPrefix("error: ") else {
                                return "\(testCase.name): \(reason == .exit ? "exit" : "signal") \(status)\n\(stderr)"
                            }
                            return nil
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}

/// Runs a program to completion (30 s limit, then SIGKILL: SIGTERM is blocked in children of the
/// test runner); returns its status, how it ended and its stderr.
func runProcess(_ executable: String, _ arguments: [String]) throws -> (Int32, Process.TerminationReason, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let errHandle = try FileHandle(forWritingTo: errURL)
    defer { try? errHandle.close() }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning {
        if Date() > deadline {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestGit.Failure(description: "\(executable) \(arguments.joined(separator: " ")) timed out")
        }
        usleep(5_000)
    }
    let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
    return (process.terminationStatus, process.terminationReason, stderr)
}

/// Repositories over a size limit (`InputLimits.default`), generated at test time.
enum GeneratedBadInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// One manifest file over the 16 MiB per-file limit (a long comment).
    case oversizedFile
    /// A 1 MiB value substituted 17 times: a small file that would grow past 16 MiB.
    case oversizedSubstitution

    var testDescription: String { rawValue }

    static let config = "bundles:\n  - name: mesh\n    path: mesh\n    namespace: demo\n"
    static let manifest = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\nspec:\n  hosts: [reviews]\n"

    var location: String {
        switch self {
        case .oversizedFile: "mesh/big.yaml"
        case .oversizedSubstitution: "mesh/vs.yaml:23:5"
        }
    }

    var message: String {
        switch self {
        case .oversizedFile: "file is too large: 16777217 bytes, more than the limit of 16 MiB per file"
        case .oversizedSubstitution: "substituting \"${big}\" makes the file larger than the limit of 16 MiB after substitution"
        }
    }

    func write(to root: String) throws {
        switch self {
        case .oversizedFile:
            try TestGit.write(Self.config, to: root + "/reconcile.yaml")
            try TestGit.write(Self.manifest, to: root + "/mesh/vs.yaml")
            // "# xxx…x\n", one byte over 16 MiB (filled at once: appending byte by byte took seconds in debug).
            var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: (16 << 20) + 1)
            bytes[0] = UInt8(ascii: "#")
            bytes[1] = UInt8(ascii: " ")
            bytes[bytes.count - 1] = UInt8(ascii: "\n")
            try TestGit.write(bytes, to: root + "/mesh/big.yaml")
        case .oversizedSubstitution:
            let big = String(repeating: "y", count: 1 << 20)
            try TestGit.write(Self.config + "values:\n  big: \(big)\n", to: root + "/reconcile.yaml")
            // Lines 8 to 24 hold `- ${big}`: the 16th use (line 23) takes the text past 16 MiB.
            let uses = (1...17).map { _ in "  - ${big}\n" }.joined()
            try TestGit.write(Self.manifest + "  gateways:\n" + uses, to: root + "/mesh/vs.yaml")
        }
    }
}
