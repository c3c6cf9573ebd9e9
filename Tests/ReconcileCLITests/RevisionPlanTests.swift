import Foundation
import ReconcileTestSupport
import Testing

/// `reconcile plan --base <ref>`: the pull-request view, read through libgit2 from a repository
/// the test builds with the git CLI — locally, over file:// into a cache, and over git daemon.
@Suite("Plans between two revisions", .onTestThreads, .timeLimit(.minutes(3)))
struct RevisionPlanTests {
    /// A config repository with two commits, and a bare copy to serve.
    struct Fixture {
        let root: String
        let work: String
        let server: String
        let bare: String
        let first: String
        let second: String

        static let config = """
            name: shop
            bundles:
              - name: namespaces
                path: namespaces
                labels: { tier: base }
              - name: mesh
                path: mesh
                namespace: shop
                labels: { tier: mesh }
                needs: [namespaces]

            """

        static func namespace(_ labels: String) -> String {
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    \(labels)\n"
        }

        static func virtualService(subset: String) -> String {
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
                - route:
                    - destination:
                        host: reviews
                        subset: \(subset)

            """
        }

        static func destinationRule(_ name: String) -> String {
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: \(name)
            spec:
              host: \(name)
              subsets:
                - name: v1
                  labels: { version: v1 }
                - name: v2
                  labels: { version: v2 }

            """
        }

        static let peerAuthentication = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata:
              name: default
            spec:
              mtls:
                mode: STRICT

            """

        init() throws {
            root = try TestGit.temporaryDirectory()
            work = root + "/work"
            server = root + "/server"
            bare = server + "/repo.git"
            // Commit 1: namespace (injection enabled) + VirtualService + two DestinationRules.
            first = try TestGit.initRepo(at: work, files: [
                "reconcile.yaml": Self.config,
                "namespaces/shop.yaml": Self.namespace("istio-injection: enabled"),
                "mesh/virtualservice.yaml": Self.virtualService(subset: "v1"),
                "mesh/dr-reviews.yaml": Self.destinationRule("reviews"),
                "mesh/dr-ratings.yaml": Self.destinationRule("ratings"),
                "README.md": "not a manifest\n",
            ], message: "shop in the mesh")
            // Commit 2: route to v2, drop the ratings rule, STRICT mTLS, move to a revision label.
            try FileManager.default.removeItem(atPath: work + "/mesh/dr-ratings.yaml")
            second = try TestGit.commit(in: work, files: [
                "mesh/virtualservice.yaml": Self.virtualService(subset: "v2"),
                "mesh/peerauthentication.yaml": Self.peerAuthentication,
                "namespaces/shop.yaml": Self.namespace("istio.io/rev: asm-1-23"),
            ], message: "reviews v2, strict mTLS, asm-1-23")
            try FileManager.default.createDirectory(atPath: server, withIntermediateDirectories: true)
            try TestGit.run(["clone", "-q", "--bare", work, bare], in: root)
        }
    }

    /// The plan from commit 1 to commit 2, whatever the transport.
    func expectSecondCommitPlan(_ result: CLIResult, base: String, head: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let out = result.stdout
        #expect(result.code == 0, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, "\(result)", sourceLocation: sourceLocation)
        #expect(out.contains("instance shop: changes from \(base) to \(head)"), "\(out)", sourceLocation: sourceLocation)
        // Added.
        #expect(out.contains("+ create PeerAuthentication shop/default  [mesh]  mesh/peerauthentication.yaml:"), "\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("+++ planned/PeerAuthentication/shop/default"), "\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("+    mode: STRICT"), "\(out)", sourceLocation: sourceLocation)
        // Changed, as a unified diff.
        #expect(out.contains("~ update VirtualService shop/reviews  [mesh]  mesh/virtualservice.yaml:"), "\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("\n    @@ "), "unified diff hunks:\n\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("-        subset: v1\n"), "\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("+        subset: v2\n"), "\(out)", sourceLocation: sourceLocation)
        // Removed.
        #expect(out.contains("- delete DestinationRule shop/ratings"), "\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("+++ /dev/null") || out.contains("-  host: ratings"), "the removed object's diff:\n\(out)", sourceLocation: sourceLocation)
        // Unchanged objects are not listed as changes.
        #expect(!out.contains("DestinationRule shop/reviews"), "\(out)", sourceLocation: sourceLocation)
        // The namespace's injection change.
        #expect(out.contains("namespace shop: istio-injection=enabled → istio.io/rev=asm-1-23"), "\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("~ update Namespace shop"), "\(out)", sourceLocation: sourceLocation)
        #expect(out.contains("Plan: 1 to create, 2 to update, 1 to delete"), "\(out)", sourceLocation: sourceLocation)
    }

    @Test("local repository: --base <commit 1> --ref <commit 2>")
    func localCommits() async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let result = await reconcile(["plan", "--repo", fixture.work, "--base", fixture.first, "--ref", fixture.second])
        expectSecondCommitPlan(result, base: String(fixture.first.prefix(12)), head: String(fixture.second.prefix(12)))

        // JSON says the same, with both revisions.
        let json = await reconcile(["plan", "--repo", fixture.work, "--base", fixture.first, "--ref", fixture.second, "-f", "json", "--detailed-exitcode"])
        #expect(json.code == 2, "\(json)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(root["mode"] as? String == "base")
        #expect((root["baseRevision"] as? String).map { fixture.first.hasPrefix($0) } == true, "\(root)")
        #expect((root["revision"] as? String).map { fixture.second.hasPrefix($0) } == true, "\(root)")
        let changes = try #require(root["changes"] as? [[String: Any]])
        let actions = Set(changes.map { "\($0["action"] as? String ?? "?") \($0["kind"] as? String ?? "?")/\($0["name"] as? String ?? "?")" })
        #expect(actions == ["create PeerAuthentication/default", "update VirtualService/reviews", "delete DestinationRule/ratings",
                            "update Namespace/shop"], "\(actions)")
        // Make-before-break: the namespace first, the deletion last.
        #expect(changes.first?["kind"] as? String == "Namespace")
        #expect(changes.last?["action"] as? String == "delete")
        let injection = try #require((root["injectionChanges"] as? [[String: Any]])?.first)
        #expect((injection["from"] as? [String: Any])?["mode"] as? String == "enabled")
        #expect((injection["to"] as? [String: Any])?["revision"] as? String == "asm-1-23")

        // Refs by name work the same as commit ids.
        let byName = await reconcile(["plan", "--repo", fixture.work, "--base", "main~1", "--ref", "main"])
        expectSecondCommitPlan(byName, base: String(fixture.first.prefix(12)), head: String(fixture.second.prefix(12)))

        // The reverse direction undoes it.
        let reverse = await reconcile(["plan", "--repo", fixture.work, "--base", fixture.second, "--ref", fixture.first])
        #expect(reverse.stdout.contains("+ create DestinationRule shop/ratings"), "\(reverse)")
        #expect(reverse.stdout.contains("- delete PeerAuthentication shop/default"), "\(reverse)")
    }

    @Test("local repository without --ref: the working tree, uncommitted edits included")
    func workingTree() async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        // An uncommitted edit on top of commit 2.
        let edited = Fixture.virtualService(subset: "v2") + "  # uncommitted\n" + "  exportTo: [\".\"]\n"
        try TestGit.write(edited, to: fixture.work + "/mesh/virtualservice.yaml")
        let result = await reconcile(["plan", "--repo", fixture.work, "--base", fixture.first])
        expectSecondCommitPlan(result, base: String(fixture.first.prefix(12)), head: "working tree")
        #expect(result.stdout.contains("+  exportTo:"), "the uncommitted edit is planned:\n\(result)")

        // Against commit 2 only the uncommitted edit remains.
        let onlyEdit = await reconcile(["plan", "--repo", fixture.work, "--base", "HEAD", "--detailed-exitcode"])
        #expect(onlyEdit.code == 2, "\(onlyEdit)")
        #expect(onlyEdit.stdout.contains("~ update VirtualService shop/reviews"), "\(onlyEdit)")
        #expect(onlyEdit.stdout.contains("Plan: 0 to create, 1 to update, 0 to delete"), "\(onlyEdit)")

        // validate reads the working tree too (5 objects: namespace, VS, DR, PA... and no ratings DR).
        let validate = await reconcile(["validate", "--repo", fixture.work])
        #expect(validate.code == 0, "\(validate)")
        #expect(validate.stdout.contains("(working tree): 4 objects in 2 bundles"), "\(validate)")
    }

    @Test("file:// URL cloned into --cache-dir, --base main~1 --ref main")
    func fileURL() async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let cache = fixture.root + "/cache"
        let url = "file://" + fixture.bare
        let result = await reconcile(["plan", "--repo", url, "--cache-dir", cache, "--base", "main~1", "--ref", "main"])
        expectSecondCommitPlan(result, base: String(fixture.first.prefix(12)), head: String(fixture.second.prefix(12)))
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        #expect(!cached.isEmpty, "the clone lives in --cache-dir")

        // A URL without --ref reads HEAD (commit 2); a second run fetches into the same cache.
        let validate = await reconcile(["validate", "--repo", url, "--cache-dir", cache])
        #expect(validate.code == 0, "\(validate)")
        #expect(validate.stdout.contains("(\(fixture.second.prefix(12))): 4 objects in 2 bundles"), "\(validate)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? [] == cached, "the cache is reused")

        let missing = await reconcile(["validate", "--repo", url, "--cache-dir", cache, "--ref", "nope"])
        #expect(missing.code == 1, "\(missing)")
        #expect(missing.stderr.hasPrefix("error: ") && missing.stderr.contains("\"nope\""), "\(missing)")
    }

    @Test("git:// from git daemon on 127.0.0.1",
          .enabled(if: TestGit.daemonAvailable, "this git installation has no git-daemon"))
    func gitDaemon() async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let daemon = try GitDaemon(baseDirectory: fixture.server)
        defer { daemon.stop() }
        let result = await reconcile(["plan", "--repo", "git://127.0.0.1:\(daemon.port)/repo.git", "--cache-dir", fixture.root + "/cache",
                                      "--base", fixture.first, "--ref", "main"])
        expectSecondCommitPlan(result, base: String(fixture.first.prefix(12)), head: String(fixture.second.prefix(12)))
    }
}
