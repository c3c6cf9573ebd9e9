import Foundation
import ReconcileCore
import Testing
import YAML

/// The quick outline guess (used to start LISTs before the render) agrees with the rendered
/// state's exact outline on real repositories, and its misses are harmless (checked in
/// ReconcileEngineTests).
@Suite struct OutlineTests {
    @Test(arguments: ["aks-pets", "bookinfo", "dgraph", "client-strict", "revision-upgrade"])
    func guessMatchesTheRenderOnEveryExample(example: String) throws {
        let path = repositoryRoot.appendingPathComponent("examples/\(example)").path
        let manifests = try directoryFiles(path).filter { $0.path != "live-snapshot.yaml" }
        let renderer = Renderer(defaultInstance: example)
        let guess = try #require(renderer.outline(manifests))
        let exact = try renderer.render(manifests).outline
        #expect(guess == exact)
        #expect(!exact.kinds.isEmpty)
    }

    @Test func readsKindsNamespacesAndInjectionFromText() throws {
        let input = files([
            "reconcile.yaml": """
            name: mesh
            namespaces:
              shop: enabled
            bundles:
              - name: routes
                path: routes
                namespace: web
            """,
            "routes/vs.yaml": """
            # a comment
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: front   # trailing comment
              labels:
                app: front
            spec:
              hosts: [front]
            ---
            apiVersion: "networking.istio.io/v1"
            kind: 'DestinationRule'
            metadata:
              namespace: payments
              name: ledger
            spec:
              host: ledger
              namespace: not-metadata
            """,
            "routes/ns.yaml": """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: orders
              labels:
                istio.io/rev: asm-1-23
            """,
        ])
        let renderer = Renderer(defaultInstance: "ignored")
        let guess = try #require(renderer.outline(input))
        #expect(guess.instance == "mesh")
        #expect(guess.kinds == [GroupKind(group: "networking.istio.io", kind: "VirtualService"),
                                GroupKind(group: "networking.istio.io", kind: "DestinationRule"), GroupKind(group: "", kind: "Namespace")])
        #expect(guess.namespaces == ["web", "payments"])
        #expect(guess.injectedNamespaces == ["shop", "orders"])
        #expect(guess == (try renderer.render(input)).outline)
    }

    @Test func noGuessWhenTheConfigDoesNotLoad() {
        #expect(Renderer(defaultInstance: "x").outline(files(["reconcile.yaml": "bundles: [1, 2"])) == nil)
    }

    @Test func concurrentMapKeepsOrder() {
        let input = Array(0..<10_000)
        #expect(input.concurrentMap { $0 * 3 } == input.map { $0 * 3 })
        #expect([Int]().concurrentMap { $0 } == [])
        #expect([7].concurrentMap { $0 + 1 } == [8])
    }

    /// Maps started inside another map's elements (the analyzers run the policy analyzer's own
    /// map) finish, with every result in place, however the work is spread over the threads.
    @Test func nestedConcurrentMapsComplete() {
        let outer = Array(0..<40)
        let sums = outer.concurrentMap { i in
            Array(0..<(i * 50)).concurrentMap { $0 % 7 + i }.reduce(0, +)
        }
        #expect(sums == outer.map { i in (0..<(i * 50)).map { $0 % 7 + i }.reduce(0, +) })
        // Maps from several threads at once share the pool.
        let concurrent = Array(0..<8).concurrentMap { k in Array(0..<1_000).concurrentMap { $0 * k }.last ?? -1 }
        #expect(concurrent == (0..<8).map { 999 * $0 })
    }
}
