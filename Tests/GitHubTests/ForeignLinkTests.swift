import Foundation
import GitHub
import ReconcileTestSupport
import Testing

/// A `Link: rel="next"` page elsewhere than `--api-url` is not followed: every request carries
/// the token, so following it would hand the token to that host.
@Suite(.onTestThreads, .serialized, .enabled(if: GitHubStub.pythonAvailable, "python3 is needed for the GitHub API stub"), .timeLimit(.minutes(1)))
struct ForeignLinkTests {
    func comments() -> [GitHubStub.Comment] {
        (1...130).map { GitHubStub.Comment(id: $0, body: "comment \($0)", user: "user\($0 % 5)") }
    }

    @Test("a next page on another host (the same server, named localhost) is refused before any request to it")
    func foreignHostIsNotFollowed() throws {
        let github = try StubbedGitHub()
        try github.stub.reset(comments: comments(), linkBase: "http://localhost:\(github.stub.port)")
        #expect {
            try github.client.listComments(github.repository, issue: 7)
        } throws: { error in
            let text = "\(error)"
            return (error as? GitHubError)?.kind == .invalidResponse && text.contains("http://localhost:\(github.stub.port)")
                && text.contains("http://127.0.0.1:\(github.stub.port)") && text.contains("token is only sent")
        }
        #expect(try github.stub.requests().map(\.line) == ["GET \(github.listPath)"], "only the first page was requested")
    }

    @Test("another scheme or port is refused too; the same origin spelled differently is followed")
    func schemeAndPortCount() throws {
        let github = try StubbedGitHub()
        for foreign in ["https://127.0.0.1:\(github.stub.port)", "http://127.0.0.1:\(github.stub.port == 1 ? 2 : 1)"] {
            try github.stub.reset(comments: comments(), linkBase: foreign)
            #expect(throws: GitHubError.self) { try github.client.listComments(github.repository, issue: 7) }
            #expect(try github.stub.requests().count == 1, "\(foreign)")
        }
        try github.stub.reset(comments: comments(), linkBase: "HTTP://127.0.0.1:\(github.stub.port)")
        #expect(try github.client.listComments(github.repository, issue: 7).count == 130)
    }

    @Test func sameOriginRules() {
        #expect(GitHubClient.sameOrigin("https://api.github.com/repositories/1?page=2", "https://api.github.com"))
        #expect(GitHubClient.sameOrigin("https://API.github.com:443/x", "https://api.github.com"))
        #expect(GitHubClient.sameOrigin("https://ghe.example/api/v3/x", "https://ghe.example/api/v3"))
        #expect(!GitHubClient.sameOrigin("https://evil.example/x", "https://api.github.com"))
        #expect(!GitHubClient.sameOrigin("http://api.github.com/x", "https://api.github.com"))
        #expect(!GitHubClient.sameOrigin("https://api.github.com:8443/x", "https://api.github.com"))
        #expect(!GitHubClient.sameOrigin("https://api.github.com.evil.example/x", "https://api.github.com"))
        #expect(!GitHubClient.sameOrigin("https://api.github.com@evil.example/x", "https://api.github.com"))
        #expect(!GitHubClient.sameOrigin("/relative?page=2", "https://api.github.com"))
    }
}
