import Foundation
import ReconcileCore
import ReconcileFindings
import Testing
import YAML

/// The examples planned against their snapshots show exactly the findings they should.
@Suite struct ExampleFindingsTests {
    func files(_ example: String) throws -> [SourceFile] {
        try directoryFiles(repositoryRoot.appendingPathComponent("examples/\(example)").path)
    }

    func plan(_ example: String, dropping: (SourceFile) -> Bool = { _ in false }) throws -> Plan {
        let all = try files(example)
        let desired = try Renderer(defaultInstance: example).render(all.filter { $0.path != "live-snapshot.yaml" && !dropping($0) })
        let snapshot = try #require(all.first { $0.path == "live-snapshot.yaml" })
        return Planner(desired: desired, live: try LiveState.snapshot(snapshot.bytes, file: "live-snapshot.yaml")).planWithFindings()
    }

    func summary(_ plan: Plan) -> [String] {
        plan.findings.map { "\($0.code) \($0.object?.shortDescription ?? "-")" }.sorted()
    }

    @Test func aksPets() throws {
        // STRICT mTLS on pets is fine: the planned restarts inject every pod. The restarts are of
        // single-replica workloads; the ingress is plain HTTP for every host; no default-deny.
        #expect(summary(try plan("aks-pets")) == [
            "POL002 Namespace pets", "POL003 Gateway pets/pets-gateway",
            "RC4002 Deployment pets/order-service", "RC4002 Deployment pets/product-service", "RC4002 Deployment pets/store-front",
            "RC4002 StatefulSet pets/rabbitmq",
        ])
    }

    @Test func aksPetsWithoutRestartsLosesItsPlainTextCallers() throws {
        let plan = try plan("aks-pets") { _ in false }
        #expect(!plan.findings.contains { $0.code == "RC4001" })
        let all = try files("aks-pets")
        var sources = all.filter { $0.path != "live-snapshot.yaml" }
        let index = try #require(sources.firstIndex { $0.path == "reconcile.yaml" })
        sources[index].bytes = Array(String(decoding: sources[index].bytes, as: UTF8.self).replacingOccurrences(of: "  enabled: true", with: "  enabled: false").utf8)
        let desired = try Renderer(defaultInstance: "aks-pets").render(sources)
        let live = try LiveState.snapshot(try #require(all.first { $0.path == "live-snapshot.yaml" }).bytes, file: "live-snapshot.yaml")
        let found = Planner(desired: desired, live: live).planWithFindings().findings.filter { $0.code == "RC4001" }
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.source?.description == "mesh/peerauthentication.yaml:9")
    }

    @Test func bookinfo() throws {
        #expect(summary(try plan("bookinfo")) == ["POL002 Namespace bookinfo", "POL003 Gateway bookinfo/bookinfo-gateway"])
    }

    @Test func bookinfoWithoutDestinationRulesMissesTheSubsets() throws {
        let plan = try plan("bookinfo") { $0.path.hasPrefix("mesh/destinationrules/") }
        let missing = plan.findings.filter { $0.code == "IST0101" }
        // Pruning the live reviews DestinationRule is blocked by --max-prune (RC3004), so it stays
        // and still defines v1 only.
        #expect(plan.findings.contains { $0.code == "RC3004" })
        #expect(missing.map(\.message) == [
            "VirtualService bookinfo/details: referenced host+subset in destinationrule not found: \"details+v1\" (no DestinationRule for host details)",
            "VirtualService bookinfo/productpage: referenced host+subset in destinationrule not found: \"productpage+v1\" (no DestinationRule for host productpage)",
            "VirtualService bookinfo/ratings: referenced host+subset in destinationrule not found: \"ratings+v1\" (no DestinationRule for host ratings)",
            "VirtualService bookinfo/reviews: referenced host+subset in destinationrule not found: \"reviews+v2\" (not defined by DestinationRule bookinfo/reviews)",
            "VirtualService bookinfo/reviews: referenced host+subset in destinationrule not found: \"reviews+v3\" (not defined by DestinationRule bookinfo/reviews)",
        ])
        #expect(missing.allSatisfy { $0.severity == .error })
        #expect(missing.map { $0.source?.description ?? "" } == [
            "mesh/virtualservices/details.yaml:12", "mesh/virtualservices/productpage.yaml:12", "mesh/virtualservices/ratings.yaml:12",
            "mesh/virtualservices/reviews.yaml:13", "mesh/virtualservices/reviews.yaml:17",
        ])
        #expect(plan.hasErrors)
        // Offline (validate, base-vs-head) the same five subsets are missing.
        let desired = try Renderer(defaultInstance: "bookinfo").render(try files("bookinfo").filter { $0.path != "live-snapshot.yaml" && !$0.path.hasPrefix("mesh/destinationrules/") })
        #expect(Analyzers.offline(desired).filter { $0.code == "IST0101" }.count == 5)
    }

    @Test func clientStrict() throws {
        #expect(summary(try plan("client-strict")) == ["POL002 Namespace client"])
    }

    @Test func dgraph() throws {
        // allow-from-mesh-only isolates every pod (default deny with an allowlist): no POL002.
        #expect(summary(try plan("dgraph")) == ["RC4002 StatefulSet dgraph/dgraph-zero"])
    }

    @Test(arguments: [nil, "prod"])
    func revisionUpgrade(environment: String?) throws {
        let all = try files("revision-upgrade")
        let desired = try Renderer(environment: environment, defaultInstance: "revision-upgrade").render(all.filter { $0.path != "live-snapshot.yaml" })
        let live = try LiveState.snapshot(try #require(all.first { $0.path == "live-snapshot.yaml" }).bytes, file: "live-snapshot.yaml")
        #expect(summary(Planner(desired: desired, live: live).planWithFindings()) == ["POL002 Namespace payments", "POL002 Namespace shop"])
    }

    @Test func findingsAppearInEveryRenderer() throws {
        let plan = try plan("bookinfo") { $0.path.hasPrefix("mesh/destinationrules/") }
        let text = TextPlanRenderer(colour: false).render(plan)
        #expect(text.contains("error IST0101: VirtualService bookinfo/details: referenced host+subset in destinationrule not found: \"details+v1\" (no DestinationRule for host details) (mesh/virtualservices/details.yaml:12)"))
        #expect(text.contains("    hint: add a DestinationRule for host details with subset v1"))
        #expect(text.contains("warning POL003"))
        let markdown = MarkdownPlanRenderer().render(plan)
        #expect(markdown.contains("#### Findings"))
        #expect(markdown.contains("IST0101"))
        #expect(markdown.contains("mesh/virtualservices/details.yaml:12"))
        let json = try YAMLParser.parse(JSONPlanRenderer().render(plan), file: "plan.json")[0].root
        let items = json["findings"]?.sequence ?? []
        let first = try #require(items.first { $0["code"]?.string == "IST0101" })
        #expect(first["severity"]?.string == "error")
        #expect(first[path: ["object", "kind"]]?.string == "VirtualService")
        #expect(items.contains { $0["code"]?.string == "POL002" && $0["hint"]?.string?.isEmpty == false })
        #expect(json[path: ["summary", "findings", "error"]]?.int == 7, "five IST0101, RC3004, and IST0109 (the canary VirtualService stays)")
    }

    @Test func baseVersusHeadRunsTheOfflineChecksOnHead() throws {
        let sources = try files("bookinfo").filter { $0.path != "live-snapshot.yaml" }
        let base = try Renderer(defaultInstance: "bookinfo").render(sources)
        let head = try Renderer(defaultInstance: "bookinfo").render(sources.filter { $0.path != "mesh/destinationrules/details.yaml" })
        let plan = RevisionComparer(base: base, head: head).planWithFindings()
        #expect(plan.findings.map(\.code).sorted() == ["IST0101", "POL002", "POL003"])
        #expect(RevisionComparer(base: head, head: base).planWithFindings().findings.map(\.code).sorted() == ["POL002", "POL003"])
    }

    @Test func onlyUnallowedErrorsBlock() throws {
        let plan = try plan("bookinfo") { $0.path.hasPrefix("mesh/destinationrules/") }
        // The blocked prune keeps reviews-canary, which now conflicts with reviews (IST0109).
        #expect(Analyzers.blocking(plan.findings, allowed: []).count == 7)
        #expect(Analyzers.blocking(plan.findings, allowed: ["IST0101"]).map(\.code) == ["RC3004", "IST0109"])
        #expect(Analyzers.blocking(plan.findings, allowed: ["IST0101", "RC3004", "IST0109"]).isEmpty, "warnings never block")
    }
}
