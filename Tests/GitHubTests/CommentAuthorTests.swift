import Foundation
import GitHub
import ReconcileTestSupport
import Testing

/// Only the token's own comments are edited: a comment carrying our marker but written by someone
/// else is left alone, against the GitHub API stub (user tokens, installation tokens that get 403
/// on `GET /user`, and a pinned author).
@Suite(.onTestThreads, .serialized, .enabled(if: GitHubStub.pythonAvailable, "python3 is needed for the GitHub API stub"), .timeLimit(.minutes(1)))
struct CommentAuthorTests {
    static let marker = "<!-- reconcile-plan instance=mesh -->\n"

    @Test("a marker comment by another user is left untouched and a new comment is posted")
    func foreignMarkerIsIgnored() throws {
        let github = try StubbedGitHub()
        let planted = GitHubStub.Comment(id: 1, body: Self.marker + "planted by someone else\n", user: "mallory")
        try github.stub.reset(comments: [planted], login: "reconcile-ci")
        let markdown = PlanMarkdown.render(objects: 1, diffLines: 2)
        let outcomes = try github.sync(markdown)

        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "GET \(github.userPath)", "POST \(github.createPath)"])
        #expect(outcomes.map(\.verb) == [.ignored, .created])
        #expect(outcomes.first?.description.contains("by mallory") == true, "\(outcomes)")
        let stored = try github.stub.comments()
        #expect(stored.first == planted, "the planted comment keeps its body")
        #expect(stored.map(\.id) == [1, 1000])
        #expect(stored.last?.user == "reconcile-ci")
    }

    @Test("the token's own comment is edited, the foreign one beside it is not")
    func ownCommentIsEdited() throws {
        let github = try StubbedGitHub()
        let planted = GitHubStub.Comment(id: 1, body: Self.marker + "planted\n", user: "mallory")
        let own = GitHubStub.Comment(id: 2, body: Self.marker + "old plan\n", user: "Reconcile-CI")
        try github.stub.reset(comments: [planted, own], login: "reconcile-ci")
        let markdown = PlanMarkdown.render(objects: 1, diffLines: 2)
        let outcomes = try github.sync(markdown)

        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "GET \(github.userPath)", "PATCH \(github.commentPath(2))"])
        #expect(outcomes.map(\.verb) == [.ignored, .updated], "logins compare without regard to case")
        let stored = try github.stub.comments()
        #expect(stored.map(\.body) == [planted.body, markdown])
    }

    @Test("an installation token (403 on GET /user) edits its app bot's comment, not a user's")
    func installationTokenEditsTheBotsComment() throws {
        let github = try StubbedGitHub()
        let planted = GitHubStub.Comment(id: 1, body: Self.marker + "planted\n", user: "mallory")
        let bot = GitHubStub.Comment(id: 2, body: Self.marker + "old plan\n", user: "reconcile-app[bot]", app: "reconcile-app")
        try github.stub.reset(comments: [planted, bot], login: nil, app: "reconcile-app")
        let markdown = PlanMarkdown.render(objects: 1, diffLines: 2)
        let outcomes = try github.sync(markdown)

        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "GET \(github.userPath)", "PATCH \(github.commentPath(2))"])
        #expect(outcomes.map(\.verb) == [.ignored, .updated])
        #expect(try github.stub.comments().map(\.body) == [planted.body, markdown])
    }

    @Test("a pinned author skips GET /user and ignores other bots' marker comments")
    func pinnedAuthor() throws {
        let github = try StubbedGitHub()
        let otherBot = GitHubStub.Comment(id: 1, body: Self.marker + "another app\n", user: "github-actions[bot]", app: "github-actions")
        let ours = GitHubStub.Comment(id: 2, body: Self.marker + "old\n", user: "my-app[bot]", app: "my-app")
        try github.stub.reset(comments: [otherBot, ours], login: nil, app: "my-app")
        let markdown = PlanMarkdown.render(objects: 1, diffLines: 2)
        let outcomes = try github.sync(markdown, author: .login("my-app[bot]"))

        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "PATCH \(github.commentPath(2))"])
        #expect(outcomes.map(\.verb) == [.ignored, .updated])
        #expect(try github.stub.comments().map(\.body) == [otherBot.body, markdown])
    }

    @Test("no marker comment: no GET /user at all")
    func noMarkerNoIdentityRequest() throws {
        let github = try StubbedGitHub()
        try github.stub.reset(comments: [.init(id: 1, body: "LGTM", user: "alice")], login: nil, app: "my-app")
        _ = try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2))
        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)", "POST \(github.createPath)"])
    }

    @Test("a 401 on GET /user is an error, not a fallback to any bot")
    func badTokenOnIdentity() throws {
        let github = try StubbedGitHub()
        try github.stub.reset(comments: [.init(id: 1, body: Self.marker, user: "x[bot]")],
                              failures: [.init(method: "GET", pathContains: "/user", status: 401, message: "Bad credentials")])
        #expect(throws: GitHubError.self) { try github.sync(PlanMarkdown.render(objects: 1, diffLines: 2)) }
        #expect(try github.stub.comments().map(\.body) == [Self.marker], "nothing written")
    }
}

struct CommentAuthorUnitTests {
    @Test(arguments: [
        // (author, user, type, app, expected)
        (CommentAuthor.login("octo"), "octo", "User", nil, true),
        (.login("octo"), "OCTO", "User", nil, true),
        (.login("octo"), "octo2", "User", nil, false),
        (.login("my-app[bot]"), "my-app[bot]", "Bot", "my-app", true),
        (.anyAppBot, "my-app[bot]", "Bot", "my-app", true),
        (.anyAppBot, "github-actions[bot]", "Bot", nil, true),
        (.anyAppBot, "mallory", "User", nil, false),
        (.anyAppBot, "mallory[bot]", "User", nil, false),
        (.anyAppBot, "mallory", "User", "some-app", false),
    ] as [(CommentAuthor, String, String, String?, Bool)])
    func wrote(author: CommentAuthor, user: String, type: String, app: String?, expected: Bool) {
        #expect(author.wrote(IssueComment(id: 1, body: "", user: user, userType: type, app: app)) == expected)
    }

    @Test func noUserIsNobodys() {
        #expect(!CommentAuthor.anyAppBot.wrote(IssueComment(id: 1, body: "")))
        #expect(!CommentAuthor.login("octo").wrote(IssueComment(id: 1, body: "")))
    }
}
