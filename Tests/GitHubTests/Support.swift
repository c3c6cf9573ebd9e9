import Foundation
import GitHub
import ReconcileCore
import ReconcileTestSupport
import Testing
import YAML

/// Plans rendered by the real `MarkdownPlanRenderer`, of any size.
enum PlanMarkdown {
    /// A plan of `objects` VirtualServices to create, each with a `diffLines`-line diff.
    static func plan(instance: String = "mesh", objects: Int, diffLines: Int, revision: String = "abc1234") -> Plan {
        var plan = Plan(mode: .base, instance: instance, environment: nil)
        plan.revision = revision
        plan.baseRevision = "def5678"
        for index in 0..<objects {
            let key = ObjectKey(group: "networking.istio.io", kind: "VirtualService", namespace: "team-\(index % 7)", name: "route-\(index)")
            let diff = diffLines == 0 ? "" : (0..<diffLines).map { line in
                "+    - name: route-\(index)-match-\(line)  # " + String(repeating: "x", count: 60)
            }.joined(separator: "\n") + "\n"
            var change = PlannedChange(key: key, apiVersion: "networking.istio.io/v1", action: .create, bundle: "mesh",
                                       source: ReconcileCore.SourceLocation(file: "mesh/routes-\(index).yaml", mark: Mark(line: 1, column: 1)), diff: diff)
            change.step = index + 1
            plan.changes.append(change)
        }
        return plan
    }

    static func render(instance: String = "mesh", objects: Int, diffLines: Int, revision: String = "abc1234",
                       maxDiffLines: Int = 400) -> String {
        MarkdownPlanRenderer(maxDiffLines: maxDiffLines).render(plan(instance: instance, objects: objects, diffLines: diffLines, revision: revision))
    }
}

/// Checks that one comment body is well-formed markdown for GitHub.
func expectWellFormed(_ body: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(body.utf8.count <= CommentSplitter.githubLimit, "part is \(body.utf8.count) bytes", sourceLocation: sourceLocation)
    #expect(body.count <= CommentSplitter.githubLimit, sourceLocation: sourceLocation)
    let opens = body.components(separatedBy: "<details>").count - 1
    let closes = body.components(separatedBy: "</details>").count - 1
    #expect(opens == closes, "<details> \(opens) vs </details> \(closes)", sourceLocation: sourceLocation)
    let fences = body.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("```") }.count
    #expect(fences % 2 == 0, "odd number of ``` fences: \(fences)", sourceLocation: sourceLocation)
    // Every details block closes after it opens (no "</details>" before its "<details>").
    var depth = 0
    for line in body.split(separator: "\n") {
        if line.hasPrefix("<details>") { depth += 1 }
        if line.hasPrefix("</details>") { depth -= 1 }
        #expect(depth >= 0 && depth <= 1, "details nesting broken at: \(line)", sourceLocation: sourceLocation)
    }
}

/// Records the waits the client asks for instead of sleeping.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Double] = []

    var sleeps: [Double] { lock.withLock { recorded } }

    var sleep: @Sendable (Double) -> Void {
        { [self] seconds in lock.withLock { recorded.append(seconds) } }
    }
}

/// A stub, a client pointed at it (recording sleeps) and the repository it knows.
struct StubbedGitHub {
    let stub: GitHubStub
    let client: GitHubClient
    let sleeps = SleepRecorder()
    let repository: GitHubRepository
    /// The API path prefix (`/api/v3`, as on GitHub Enterprise Server).
    let prefix: String

    init(prefix: String = "/api/v3", token: String? = nil, now: Double = 1_700_000_000, configure: (inout GitHubClient.Configuration) -> Void = { _ in }) throws {
        stub = try GitHubStub()
        self.prefix = prefix
        var configuration = GitHubClient.Configuration(apiURL: stub.apiURL(prefix: prefix), token: token ?? stub.token)
        configuration.sleep = sleeps.sleep
        configuration.now = { now }
        configure(&configuration)
        client = GitHubClient(configuration: configuration)
        repository = GitHubRepository(owner: stub.owner, name: stub.repo)
    }

    var listPath: String { "\(prefix)/repos/acme/mesh-config/issues/7/comments?per_page=100" }
    var userPath: String { "\(prefix)/user" }
    var createPath: String { "\(prefix)/repos/acme/mesh-config/issues/7/comments" }
    func commentPath(_ id: Int) -> String { "\(prefix)/repos/acme/mesh-config/issues/comments/\(id)" }

    func sync(_ markdown: String, instance: String = "mesh", author: CommentAuthor? = nil) throws -> [StickyComment.Outcome] {
        let parts = CommentSplitter().split(markdown, instance: instance)
        return try StickyComment(instance: instance).sync(parts: parts, client: client, repository: repository, pullRequest: 7, author: author)
    }
}
