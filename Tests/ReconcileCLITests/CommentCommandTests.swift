import Foundation
import ReconcileCore
import ReconcileTestSupport
import Testing

/// `reconcile comment` end to end against the GitHub API stub on 127.0.0.1: the plan of an
/// example rendered as markdown, posted, updated, split, and the errors a user sees.
@Suite(.onTestThreads, .serialized, .enabled(if: GitHubStub.pythonAvailable, "python3 is needed for the GitHub API stub"), .timeLimit(.minutes(3)))
final class CommentCommandTests {
    let stub: GitHubStub
    let scratch: String

    init() throws {
        stub = try GitHubStub()
        scratch = try TestGit.temporaryDirectory()
        try Data("\(stub.token)\n".utf8).write(to: URL(fileURLWithPath: scratch + "/token"))
    }

    deinit {
        stub.stop()
        TestGit.cleanup(scratch)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = scratch + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func comment(_ bodyFile: String, _ extra: [String] = [], repository: String = "acme/mesh-config", pr: String = "7",
                 tokenFile: String? = nil) async -> CLIResult {
        await reconcile(["comment", "--github", repository, "--pr", pr, "--body-file", bodyFile,
                         "--token-file", tokenFile ?? scratch + "/token", "--api-url", stub.apiURL(prefix: "/api/v3")] + extra)
    }

    func examplePlanMarkdown() async throws -> String {
        let result = await reconcile(["plan", "--repo", RepoPaths.example("aks-pets"), "--live-snapshot", RepoPaths.exampleSnapshot("aks-pets"),
                                      "--format", "markdown"])
        try #require(result.code == 0, "\(result)")
        return result.stdout
    }

    @Test("posts the plan of an example, then updates the same comment")
    func createsThenUpdates() async throws {
        try stub.reset()
        let markdown = try await examplePlanMarkdown()
        let file = try write("plan.md", markdown)
        let first = await comment(file)
        #expect(first.code == 0, "\(first)")
        #expect(first.stdout == "created comment 1000\n")
        #expect(first.stderr.isEmpty)
        let created = try stub.requests()
        #expect(created.map(\.line) == ["GET /api/v3/repos/acme/mesh-config/issues/7/comments?per_page=100",
                                        "POST /api/v3/repos/acme/mesh-config/issues/7/comments"])
        #expect(created[1].commentBody == markdown)
        #expect(markdown.hasPrefix("<!-- reconcile-plan instance=aks-pets -->\n"))

        try stub.reset(comments: try stub.comments(), nextID: 2000)
        let second = await comment(file)
        #expect(second.code == 0, "\(second)")
        #expect(second.stdout == "updated comment 1000\n")
        #expect(try stub.requests().map(\.line) == ["GET /api/v3/repos/acme/mesh-config/issues/7/comments?per_page=100",
                                                    "GET /api/v3/user",
                                                    "PATCH /api/v3/repos/acme/mesh-config/issues/comments/1000"])
    }

    @Test("an oversize plan is posted in parts; a small one later deletes the surplus")
    func oversizePlanInParts() async throws {
        try stub.reset()
        var plan = Plan(mode: .base, instance: "mesh", environment: nil)
        plan.revision = "abc1234"
        plan.baseRevision = "def5678"
        for index in 0..<150 {
            let diff = (0..<15).map { "+  host-\(index)-\($0): " + String(repeating: "y", count: 50) }.joined(separator: "\n")
            var change = PlannedChange(key: ObjectKey(group: "networking.istio.io", kind: "DestinationRule", namespace: "apps", name: "dr-\(index)"),
                                       apiVersion: "networking.istio.io/v1", action: .update, bundle: "mesh", source: nil, diff: diff)
            change.step = index + 1
            plan.changes.append(change)
        }
        let big = MarkdownPlanRenderer().render(plan)
        let parts = CommentSplitter().split(big)
        #expect(parts.count >= 3)
        let result = await comment(try write("big.md", big))
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout == (0..<parts.count).map { "created comment \(1000 + $0) (part \($0 + 1) of \(parts.count))\n" }.joined())
        #expect(try stub.comments().map(\.body) == parts)

        try stub.reset(comments: try stub.comments(), nextID: 3000)
        let small = await comment(try write("small.md", MarkdownPlanRenderer().render(Plan(mode: .base, instance: "mesh", environment: nil))))
        #expect(small.code == 0, "\(small)")
        #expect(small.stdout == "updated comment 1000\n" + (1..<parts.count).map { "deleted comment \(1000 + $0)\n" }.joined())
        #expect(try stub.comments().map(\.id) == [1000])
    }

    @Test("--instance names the comment when the body has no marker")
    func instanceFlagForAPlainBody() async throws {
        try stub.reset()
        let file = try write("plain.md", "Plan done elsewhere.\n")
        let refused = await comment(file)
        #expect(refused.code == 1)
        #expect(refused.stderr.hasPrefix("error: "), "\(refused)")
        #expect(refused.stderr.contains("marker"), "\(refused)")
        #expect(try stub.requests().isEmpty)

        let posted = await comment(file, ["--instance", "prod"])
        #expect(posted.code == 0, "\(posted)")
        #expect(try stub.comments().map(\.body) == ["<!-- reconcile-plan instance=prod -->\nPlan done elsewhere.\n"])
    }

    @Test("401, 403 and 404 are errors that say what to fix, exit 1")
    func errorsAreReported() async throws {
        let plan = try write("plan.md", try await examplePlanMarkdown())
        try stub.reset()
        let badToken = await comment(plan, tokenFile: try write("bad-token", "ghp_wrong\n"))
        #expect(badToken.code == 1)
        #expect(badToken.stdout.isEmpty)
        #expect(badToken.stderr.hasPrefix("error: GitHub API GET http://127.0.0.1:\(stub.port)/api/v3/repos/acme/mesh-config/issues/7/comments?per_page=100 returned 401 \"Bad credentials\""), "\(badToken)")
        #expect(badToken.stderr.contains("GITHUB_TOKEN or --token-file"))

        try stub.reset(failures: [.init(method: "POST", status: 403, message: "Resource not accessible by integration")])
        let forbidden = await comment(plan)
        #expect(forbidden.code == 1)
        #expect(forbidden.stderr.contains("403 \"Resource not accessible by integration\""), "\(forbidden)")
        #expect(forbidden.stderr.contains("pull-requests: write"), "\(forbidden)")

        try stub.reset()
        let missing = await comment(plan, repository: "acme/nope")
        #expect(missing.code == 1)
        #expect(missing.stderr.contains("404 \"Not Found\""), "\(missing)")
        #expect(missing.stderr.contains("acme/nope"), "\(missing)")
        let missingPull = await comment(plan, pr: "99")
        #expect(missingPull.code == 1)
        #expect(missingPull.stderr.contains("pull request #99"), "\(missingPull)")
    }

    @Test("bad flags and inputs are refused before any request")
    func badInput() async throws {
        try stub.reset()
        let plan = try write("plan.md", "<!-- reconcile-plan instance=mesh -->\nx\n")
        let badRepository = await comment(plan, repository: "just-a-name")
        #expect(badRepository.code == 1)
        #expect(badRepository.stderr.contains("--github must be owner/name"), "\(badRepository)")
        let badPull = await comment(plan, pr: "0")
        #expect(badPull.code == 1)
        #expect(badPull.stderr.contains("--pr"), "\(badPull)")
        let missingFile = await comment(scratch + "/nope.md")
        #expect(missingFile.code == 1)
        #expect(missingFile.stderr.contains("cannot read \(scratch)/nope.md"), "\(missingFile)")
        let empty = await comment(try write("empty.md", "\n"))
        #expect(empty.code == 1)
        #expect(empty.stderr.contains("empty"), "\(empty)")
        let emptyToken = await comment(plan, tokenFile: try write("empty-token", "\n"))
        #expect(emptyToken.code == 1)
        #expect(emptyToken.stderr.contains("token file"), "\(emptyToken)")
        let badAuthor = await comment(plan, ["--comment-author", "not a login"])
        #expect(badAuthor.code == 1)
        #expect(badAuthor.stderr.contains("--comment-author must be a GitHub login"), "\(badAuthor)")
        #expect(try stub.requests().isEmpty)
    }

    @Test("a marker comment by someone else is left alone with a warning; --comment-author pins the login")
    func foreignMarkerComment() async throws {
        let planted = GitHubStub.Comment(id: 5, body: "<!-- reconcile-plan instance=mesh -->\nplanted\n", user: "mallory")
        try stub.reset(comments: [planted], login: "reconcile-ci")
        let plan = try write("plan.md", "<!-- reconcile-plan instance=mesh -->\nnew plan\n")
        let result = await comment(plan)
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout == "created comment 1000\n")
        #expect(result.stderr.hasPrefix("warning: ignored comment 5: "), "\(result)")
        #expect(result.stderr.contains("by mallory"), "\(result)")
        #expect(try stub.comments().first == planted)

        // Pinned to mallory (say, a bot account whose token cannot read /user): hers is ours.
        try stub.reset(comments: [planted], login: "reconcile-ci")
        let pinned = await comment(plan, ["--comment-author", "mallory"])
        #expect(pinned.code == 0, "\(pinned)")
        #expect(pinned.stdout == "updated comment 5\n")
        #expect(try stub.requests().map(\.line).contains("GET /api/v3/user") == false)
    }

    @Test("the token comes from GITHUB_TOKEN without --token-file")
    func tokenFromEnvironment() async throws {
        try stub.reset()
        let plan = try write("plan.md", "<!-- reconcile-plan instance=mesh -->\nx\n")
        let saved = ProcessInfo.processInfo.environment["GITHUB_TOKEN"]
        defer { if let saved { setenv("GITHUB_TOKEN", saved, 1) } else { unsetenv("GITHUB_TOKEN") } }
        let arguments = ["comment", "--github", "acme/mesh-config", "--pr", "7", "--body-file", plan, "--api-url", stub.apiURL()]

        unsetenv("GITHUB_TOKEN")
        let none = await reconcile(arguments)
        #expect(none.code == 1)
        #expect(none.stderr.contains("no GitHub token: set GITHUB_TOKEN or pass --token-file"), "\(none)")

        setenv("GITHUB_TOKEN", stub.token, 1)
        let posted = await reconcile(arguments)
        #expect(posted.code == 0, "\(posted)")
        #expect(posted.stdout == "created comment 1000\n")
        #expect(try stub.requests().last?.headers["authorization"] == "Bearer \(stub.token)")
    }

    @Test("--body-file - reads the plan from standard input (the built executable)", .enabled(if: RepoPaths.executable != nil))
    func bodyFromStandardInput() async throws {
        try stub.reset()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RepoPaths.executable!)
        process.arguments = ["comment", "--github", "acme/mesh-config", "--pr", "7", "--body-file", "-",
                             "--token-file", scratch + "/token", "--api-url", stub.apiURL(prefix: "/api/v3")]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data("<!-- reconcile-plan instance=stdin -->\nfrom a pipe\n".utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: err, as: UTF8.self))")
        #expect(String(decoding: out, as: UTF8.self) == "created comment 1000\n")
        #expect(try stub.comments().map(\.body) == ["<!-- reconcile-plan instance=stdin -->\nfrom a pipe\n"])
    }
}
