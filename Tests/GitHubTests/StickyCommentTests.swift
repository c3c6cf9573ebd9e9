import Foundation
import GitHub
import ReconcileCore
import ReconcileTestSupport
import Testing

/// `StickyComment` + `GitHubClient` against the GitHub API stub on 127.0.0.1: the exact request
/// sequence and bodies of each run.
@Suite(.onTestThreads, .serialized, .enabled(if: GitHubStub.pythonAvailable, "python3 is needed for the GitHub API stub"), .timeLimit(.minutes(1)))
struct StickyCommentTests {
    @Test("the first run lists the comments and creates one, with GitHub's headers")
    func firstRunCreatesOneComment() throws {
        let github = try StubbedGitHub()
        try github.stub.reset()
        let markdown = PlanMarkdown.render(objects: 3, diffLines: 4)
        let outcomes = try github.sync(markdown)

        let requests = try github.stub.requests()
        #expect(requests.map(\.line) == ["GET \(github.listPath)", "POST \(github.createPath)"])
        #expect(requests[1].commentBody == markdown, "the single part is the rendered plan unchanged")
        #expect(requests[1].rawBody.hasPrefix("{\"body\":"))
        for request in requests {
            #expect(request.headers["authorization"] == "Bearer test-token")
            #expect(request.headers["accept"] == "application/vnd.github+json")
            #expect(request.headers["x-github-api-version"] == "2022-11-28")
            #expect(request.headers["user-agent"] == "reconcile")
        }
        #expect(requests[1].headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(outcomes.map(\.description) == ["created comment 1000"])
        #expect(try github.stub.comments().map(\.body) == [markdown])
    }

    @Test("the second run updates the same comment in place (PATCH, no POST)")
    func secondRunUpdatesTheSameComment() throws {
        let github = try StubbedGitHub()
        try github.stub.reset()
        _ = try github.sync(PlanMarkdown.render(objects: 3, diffLines: 4, revision: "1111111"))
        try github.stub.reset(comments: try github.stub.comments(), nextID: 2000)

        let second = PlanMarkdown.render(objects: 5, diffLines: 2, revision: "2222222")
        let outcomes = try github.sync(second)
        let requests = try github.stub.requests()
        #expect(requests.map(\.line) == ["GET \(github.listPath)", "GET \(github.userPath)", "PATCH \(github.commentPath(1000))"])
        #expect(requests[2].commentBody == second)
        #expect(outcomes.map(\.description) == ["updated comment 1000"])
        let stored = try github.stub.comments()
        #expect(stored.map(\.id) == [1000])
        #expect(stored.first?.body.contains("`2222222`") == true)
    }

    @Test("an oversize plan is split into parts created in order, then shrinks back to one comment")
    func oversizePlanSplitsThenShrinks() throws {
        let github = try StubbedGitHub()
        try github.stub.reset()
        let big = PlanMarkdown.render(objects: 200, diffLines: 12)
        #expect(big.utf8.count > 2 * CommentSplitter.githubLimit, "the test plan must be larger than two comments: \(big.utf8.count)")

        let outcomes = try github.sync(big)
        let requests = try github.stub.requests()
        let parts = CommentSplitter().split(big, instance: "mesh")
        #expect(parts.count >= 3)
        #expect(requests.map(\.line) == ["GET \(github.listPath)"] + Array(repeating: "POST \(github.createPath)", count: parts.count))
        for (index, request) in requests.dropFirst().enumerated() {
            let body = try #require(request.commentBody)
            #expect(body == parts[index])
            #expect(body.hasPrefix("<!-- reconcile-plan instance=mesh part=\(index + 1)/\(parts.count) -->\n"))
            if index > 0 { #expect(body.contains("(continued, part \(index + 1) of \(parts.count))")) }
            expectWellFormed(body)
        }
        #expect(outcomes.map(\.description) == (0..<parts.count).map { "created comment \(1000 + $0) (part \($0 + 1) of \(parts.count))" })
        // Every object's block is in exactly one part, in order.
        let joined = requests.dropFirst().compactMap(\.commentBody).joined()
        var cursor = joined.startIndex
        for index in 0..<200 {
            let summary = "+ create <code>VirtualService team-\(index % 7)/route-\(index)</code>"
            let range = try #require(joined.range(of: summary, range: cursor..<joined.endIndex), "route-\(index) missing or out of order")
            cursor = range.upperBound
            #expect(joined.components(separatedBy: summary).count == 2, "route-\(index) appears once")
        }

        // A later, small plan: part 1 updated in place, the surplus parts deleted.
        try github.stub.reset(comments: try github.stub.comments(), nextID: 5000)
        let small = PlanMarkdown.render(objects: 2, diffLines: 3, revision: "9999999")
        let shrink = try github.sync(small)
        let after = try github.stub.requests()
        #expect(after.map(\.line) == ["GET \(github.listPath)", "GET \(github.userPath)", "PATCH \(github.commentPath(1000))"]
            + (1..<parts.count).map { "DELETE \(github.commentPath(1000 + $0))" })
        #expect(after[2].commentBody == small)
        #expect(shrink.map(\.description) == ["updated comment 1000"] + (1..<parts.count).map { "deleted comment \(1000 + $0)" })
        #expect(try github.stub.comments().map(\.id) == [1000])
        #expect(try github.stub.comments().first?.body == small)
    }

    @Test("comments by others, and other instances' plans, are never touched")
    func othersAreNeverTouched() throws {
        let github = try StubbedGitHub()
        let others: [GitHubStub.Comment] = [
            .init(id: 1, body: "LGTM, but see the plan below", user: "alice"),
            .init(id: 2, body: "<!-- reconcile-plan instance=other -->\n### reconcile plan: `other`\n"),
            .init(id: 3, body: "<!-- reconcile-plan instance=mesh-staging -->\nanother instance whose name starts with ours\n"),
            .init(id: 4, body: "Quoting the bot:\n<!-- reconcile-plan instance=mesh -->\n", user: "bob"),
            .init(id: 5, body: "<!-- reconcile-plan instance=other part=2/2 -->\n"),
            .init(id: 6, body: " <!-- reconcile-plan instance=mesh -->\nindented: not at the start\n", user: "carol"),
        ]
        let ours = GitHubStub.Comment(id: 10, body: "<!-- reconcile-plan instance=mesh -->\nold plan\n")
        try github.stub.reset(comments: others + [ours, .init(id: 11, body: "thanks!", user: "alice")])
        let markdown = PlanMarkdown.render(objects: 1, diffLines: 2)
        let outcomes = try github.sync(markdown)
        let requests = try github.stub.requests()
        #expect(requests.map(\.line) == ["GET \(github.listPath)", "GET \(github.userPath)", "PATCH \(github.commentPath(10))"])
        #expect(outcomes.map(\.description) == ["updated comment 10"])
        let stored = try github.stub.comments()
        #expect(stored.filter { $0.id != 10 } == others + [.init(id: 11, body: "thanks!", user: "alice")])
    }

    @Test("a second instance on the same pull request gets its own comment")
    func instancesAreIndependent() throws {
        let github = try StubbedGitHub()
        try github.stub.reset()
        _ = try github.sync(PlanMarkdown.render(instance: "mesh", objects: 1, diffLines: 2))
        try github.stub.reset(comments: try github.stub.comments(), nextID: 2000)
        let outcomes = try github.sync(PlanMarkdown.render(instance: "policies", objects: 1, diffLines: 2), instance: "policies")
        #expect(outcomes.map(\.description) == ["created comment 2000"])
        #expect(try github.stub.comments().map(\.id) == [1000, 2000])
    }

    @Test("our plan on page 2 of 130 comments is found through the Link header")
    func paginationFindsOurCommentOnPageTwo() throws {
        let github = try StubbedGitHub()
        var comments = (1...130).map { GitHubStub.Comment(id: $0, body: "comment \($0)", user: "user\($0 % 5)") }
        comments[119] = GitHubStub.Comment(id: 120, body: "<!-- reconcile-plan instance=mesh -->\nold\n")
        try github.stub.reset(comments: comments)
        let outcomes = try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2))
        let requests = try github.stub.requests()
        #expect(requests.map(\.line) == [
            "GET \(github.listPath)",
            "GET \(github.prefix)/repositories/4242/issues/7/comments?per_page=100&page=2",
            "GET \(github.userPath)",
            "PATCH \(github.commentPath(120))",
        ])
        #expect(outcomes.map(\.description) == ["updated comment 120"])
        let listed = try github.client.listComments(github.repository, issue: 7)
        #expect(listed.count == 130)
        #expect(listed.map(\.id) == Array(1...130))
        #expect(listed[0].user == "user1")
    }

    @Test("a 502 is retried after a backoff, then the comment is created once")
    func serverErrorIsRetried() throws {
        let github = try StubbedGitHub()
        try github.stub.reset(failures: [.init(method: "POST", status: 502, message: "Server Error")])
        let outcomes = try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2))
        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "POST \(github.createPath)", "POST \(github.createPath)"])
        #expect(github.sleeps.sleeps == [1])
        #expect(outcomes.map(\.description) == ["created comment 1000"])
        #expect(try github.stub.comments().count == 1)
    }

    @Test("5xx that does not clear fails after the attempt limit with the backoff doubling")
    func persistentServerErrorFails() throws {
        let github = try StubbedGitHub { $0.maxAttempts = 4 }
        try github.stub.reset(failures: [.init(method: "GET", status: 503, message: "Service Unavailable", times: 10)])
        let error = try #require(throws: GitHubError.self) { try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2)) }
        #expect(error.kind == .server)
        #expect(error.status == 503)
        #expect(error.description.contains("Service Unavailable"))
        #expect(error.description.contains("4 attempts"))
        #expect(github.sleeps.sleeps == [1, 2, 4])
        #expect(try github.stub.requests().count == 4)
    }

    @Test("a secondary rate limit (403 with Retry-After) is waited out")
    func secondaryRateLimitWithRetryAfter() throws {
        let github = try StubbedGitHub()
        try github.stub.reset(failures: [.init(method: "GET", status: 403, message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                                               headers: ["Retry-After": "1"])])
        let outcomes = try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2))
        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "GET \(github.listPath)", "POST \(github.createPath)"])
        #expect(github.sleeps.sleeps == [1])
        #expect(outcomes.map(\.description) == ["created comment 1000"])
    }

    @Test("a 429 with x-ratelimit-remaining: 0 waits until x-ratelimit-reset")
    func rateLimitWaitsForReset() throws {
        let github = try StubbedGitHub(now: 1_700_000_000)
        try github.stub.reset(failures: [.init(method: "POST", status: 429, message: "API rate limit exceeded",
                                               headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000005"])])
        _ = try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2))
        #expect(github.sleeps.sleeps == [6])
        #expect(try github.stub.comments().count == 1)
    }

    @Test("a rate limit that resets after the time budget is reported, not waited for")
    func rateLimitBeyondTheBudgetFails() throws {
        let github = try StubbedGitHub(now: 1_700_000_000) { $0.maxTotalWait = 60 }
        try github.stub.reset(failures: [.init(status: 403, message: "API rate limit exceeded for installation",
                                               headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700003600"])])
        let error = try #require(throws: GitHubError.self) { try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2)) }
        #expect(error.kind == .rateLimited)
        #expect(error.description.contains("API rate limit exceeded for installation"))
        #expect(error.description.contains("1700003600"))
        #expect(github.sleeps.sleeps.isEmpty)
        #expect(try github.stub.requests().count == 1)
    }

    @Test("401: a bad token is reported with GitHub's message, without retrying")
    func badTokenIsUnauthorized() throws {
        let github = try StubbedGitHub(token: "expired-token")
        try github.stub.reset()
        let error = try #require(throws: GitHubError.self) { try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2)) }
        #expect(error.kind == .unauthorized)
        #expect(error.status == 401)
        #expect(error.message == "Bad credentials")
        #expect(error.description.contains("GITHUB_TOKEN"))
        #expect(try github.stub.requests().count == 1)
        #expect(github.sleeps.sleeps.isEmpty)
    }

    @Test("403 without a rate limit: says which permission the token needs")
    func forbiddenNamesThePermission() throws {
        let github = try StubbedGitHub()
        try github.stub.reset(failures: [.init(method: "POST", status: 403, message: "Resource not accessible by integration")])
        let error = try #require(throws: GitHubError.self) { try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2)) }
        #expect(error.kind == .forbidden)
        #expect(error.message == "Resource not accessible by integration")
        #expect(error.description.contains("pull-requests: write"))
        #expect(error.description.contains("issues: write"))
        #expect(error.description.contains("acme/mesh-config"))
        #expect(github.sleeps.sleeps.isEmpty)
    }

    @Test("404: an unknown repository or pull request is named in the error")
    func notFoundNamesRepositoryAndPullRequest() throws {
        let github = try StubbedGitHub()
        try github.stub.reset()
        let parts = CommentSplitter().split(PlanMarkdown.render(objects: 1, diffLines: 2))
        let wrongRepository = GitHubRepository(owner: "acme", name: "no-such-repo")
        let error = try #require(throws: GitHubError.self) {
            try StickyComment(instance: "mesh").sync(parts: parts, client: github.client, repository: wrongRepository, pullRequest: 7)
        }
        #expect(error.kind == .notFound)
        #expect(error.message == "Not Found")
        #expect(error.description.contains("acme/no-such-repo"))
        #expect(error.description.contains("#7"))

        let wrongPull = try #require(throws: GitHubError.self) {
            try StickyComment(instance: "mesh").sync(parts: parts, client: github.client, repository: github.repository, pullRequest: 8)
        }
        #expect(wrongPull.kind == .notFound)
        #expect(wrongPull.description.contains("pull request #8"))
        #expect(try github.stub.requests().map(\.method) == ["GET", "GET"])
    }

    @Test("a comment deleted between listing and updating is posted anew")
    func vanishedCommentIsRecreated() throws {
        let github = try StubbedGitHub()
        try github.stub.reset(comments: [.init(id: 10, body: "<!-- reconcile-plan instance=mesh -->\nold\n")],
                              failures: [.init(method: "PATCH", status: 404, message: "Not Found")])
        let outcomes = try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2))
        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "GET \(github.userPath)", "PATCH \(github.commentPath(10))", "POST \(github.createPath)"])
        #expect(outcomes.map(\.description) == ["created comment 1000"])
    }

    @Test("connection refused is a transport error naming the API URL")
    func connectionRefused() throws {
        let port = try LoopbackServer.unusedPort()
        let sleeps = SleepRecorder()
        var configuration = GitHubClient.Configuration(apiURL: "http://127.0.0.1:\(port)/api/v3/", token: "t")
        configuration.sleep = sleeps.sleep
        configuration.maxAttempts = 2
        let client = GitHubClient(configuration: configuration)
        let error = try #require(throws: GitHubError.self) { try client.listComments(GitHubRepository(owner: "a", name: "b"), issue: 1) }
        #expect(error.kind == .transport)
        #expect(error.description.contains("http://127.0.0.1:\(port)/api/v3/repos/a/b/issues/1/comments"))
        #expect(sleeps.sleeps == [1])
    }
}

/// The pure parts: the sync plan, markers and Link headers.
struct StickyCommentUnitTests {
    let sticky = StickyComment(instance: "mesh")

    @Test func ownsOnlyThisInstancesMarkerOnTheFirstLine() {
        #expect(sticky.owns("<!-- reconcile-plan instance=mesh -->\nbody"))
        #expect(sticky.owns("<!-- reconcile-plan instance=mesh part=2/3 -->\nbody"))
        #expect(sticky.owns("<!-- reconcile-plan instance=mesh -->"))
        #expect(!sticky.owns("<!-- reconcile-plan instance=mesh2 -->\n"))
        #expect(!sticky.owns("<!-- reconcile-plan instance=me -->\n"))
        #expect(!sticky.owns("<!-- reconcile-plan instance=mesh part=x -->\n"))
        #expect(!sticky.owns("hello\n<!-- reconcile-plan instance=mesh -->\n"))
        #expect(!sticky.owns("<!-- reconcile-plan instance=mesh --> trailing\n"))
        #expect(!sticky.owns(""))
    }

    @Test func splitterMarkersAreOwned() {
        let parts = CommentSplitter().split(PlanMarkdown.render(objects: 120, diffLines: 12))
        #expect(parts.count > 1)
        #expect(parts.allSatisfy(sticky.owns))
        #expect(!parts.contains(where: StickyComment(instance: "mes").owns))
    }

    @Test func actionsReuseOldCommentsInPostingOrder() {
        let existing = [
            IssueComment(id: 30, body: "<!-- reconcile-plan instance=mesh part=2/3 -->\n", user: "bot[bot]", userType: "Bot"),
            IssueComment(id: 5, body: "unrelated", user: "bot[bot]", userType: "Bot"),
            IssueComment(id: 20, body: "<!-- reconcile-plan instance=mesh part=1/3 -->\n", user: "bot[bot]", userType: "Bot"),
            IssueComment(id: 40, body: "<!-- reconcile-plan instance=mesh part=3/3 -->\n", user: "bot[bot]", userType: "Bot"),
        ]
        #expect(sticky.actions(existing: existing, parts: ["a", "b"], author: .anyAppBot) == [
            .update(id: 20, part: 1, body: "a"), .update(id: 30, part: 2, body: "b"), .delete(id: 40),
        ])
        #expect(sticky.actions(existing: existing, parts: ["a", "b", "c", "d"], author: .anyAppBot) == [
            .update(id: 20, part: 1, body: "a"), .update(id: 30, part: 2, body: "b"), .update(id: 40, part: 3, body: "c"), .create(part: 4, body: "d"),
        ])
        #expect(sticky.actions(existing: [], parts: ["a"], author: .anyAppBot) == [.create(part: 1, body: "a")])
    }

    @Test func nextLinkFromGitHubsLinkHeader() {
        let header = #"<https://api.github.com/repositories/1/issues/7/comments?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/issues/7/comments?per_page=100&page=5>; rel="last""#
        #expect(GitHubClient.nextLink(header) == "https://api.github.com/repositories/1/issues/7/comments?per_page=100&page=2")
        let lastPage = #"<https://x/c?page=1>; rel="first", <https://x/c?page=4>; rel="prev""#
        #expect(GitHubClient.nextLink(lastPage) == nil)
        #expect(GitHubClient.nextLink(nil) == nil)
        #expect(GitHubClient.nextLink("") == nil)
    }

    @Test func repositoryNames() {
        #expect(GitHubRepository("acme/mesh-config") == GitHubRepository(owner: "acme", name: "mesh-config"))
        #expect(GitHubRepository("acme/my.repo_1")?.name == "my.repo_1")
        #expect(GitHubRepository("acme") == nil)
        #expect(GitHubRepository("acme/a/b") == nil)
        #expect(GitHubRepository("/repo") == nil)
        #expect(GitHubRepository("acme/..") == nil)
        #expect(GitHubRepository("acme/re po") == nil)
    }
}
