import Foundation
import HTTP
import JSON
import YAML

/// `owner/name` of a GitHub repository.
public struct GitHubRepository: Sendable, Equatable, CustomStringConvertible {
    public var owner: String
    public var name: String

    public init(owner: String, name: String) {
        self.owner = owner
        self.name = name
    }

    /// Parses `owner/name` (as `${{ github.repository }}` gives it); nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed.contains) && $0 != "." && $0 != ".." }) else {
            return nil
        }
        self.init(owner: String(parts[0]), name: String(parts[1]))
    }

    public var description: String { "\(owner)/\(name)" }
}

/// An issue (or pull-request conversation) comment.
public struct IssueComment: Sendable, Equatable {
    public var id: Int
    public var body: String
    /// The author's login (`<app-slug>[bot]` for a comment posted by a GitHub App).
    public var user: String?
    public var htmlURL: String?
    /// The author's account type: `User`, `Bot` or `Organization`.
    public var userType: String?
    /// The slug of the GitHub App the comment was posted through (`performed_via_github_app`).
    public var app: String?

    public init(id: Int, body: String, user: String? = nil, htmlURL: String? = nil, userType: String? = nil, app: String? = nil) {
        self.id = id
        self.body = body
        self.user = user
        self.htmlURL = htmlURL
        self.userType = userType
        self.app = app
    }
}

/// A small GitHub REST client for issue comments, over the libcurl `HTTPClient`. Retries server
/// errors (5xx) and secondary rate limits with backoff, bounded in attempts and in total waiting;
/// turns 401/403/404 into errors that say what to fix.
public final class GitHubClient: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
        public var apiURL: String
        public var token: String
        /// Attempts per request, the first included.
        public var maxAttempts = 5
        /// Longest total time spent waiting between attempts of one request, in seconds. A rate
        /// limit that resets later than this is reported instead of waited for.
        public var maxTotalWait: Double = 120
        /// First backoff after a server error (doubled each time, capped at `maxBackoff`).
        public var initialBackoff: Double = 1
        public var maxBackoff: Double = 30
        /// Per-request timeout in seconds.
        public var requestTimeout: Double = 30
        /// How to wait (tests inject one that records and returns at once).
        public var sleep: @Sendable (Double) -> Void = { seconds in
            if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
        }
        /// The clock, for `x-ratelimit-reset` (seconds since 1970).
        public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }

        public static let defaultAPIURL = "https://api.github.com"

        public init(apiURL: String = Configuration.defaultAPIURL, token: String) {
            self.apiURL = apiURL
            self.token = token
        }
    }

    public let configuration: Configuration
    private let http: HTTPClient
    private let base: String

    public init(configuration: Configuration, http: HTTPClient? = nil) {
        self.configuration = configuration
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.requestTimeout = configuration.requestTimeout
        httpConfiguration.userAgent = "reconcile"
        self.http = http ?? HTTPClient(configuration: httpConfiguration)
        var base = configuration.apiURL
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    // MARK: - Issue comments

    /// Every comment on issue or pull request `number`, oldest first, following `Link: rel="next"`.
    public func listComments(_ repository: GitHubRepository, issue number: Int) throws -> [IssueComment] {
        var url: String? = "\(base)/repos/\(repository.owner)/\(repository.name)/issues/\(number)/comments?per_page=100"
        var comments: [IssueComment] = []
        var pages = 0
        while let next = url {
            pages += 1
            if pages > 1_000 {
                throw GitHubError(kind: .invalidResponse, status: 200, method: "GET", url: next, message: "more than 1000 pages of comments",
                                  hint: "the Link header keeps pointing to another page")
            }
            let (response, json) = try call("GET", next, context: .list(repository, number))
            guard let items = json?.sequence else {
                throw invalid(response, method: "GET", url: next, expected: "a JSON list of comments")
            }
            for item in items {
                comments.append(try comment(from: item, method: "GET", url: next))
            }
            url = GitHubClient.nextLink(response.header("link"))
            if let link = url, !GitHubClient.sameOrigin(link, base) {
                // Every request carries the token: a page elsewhere would hand it to that host.
                throw GitHubError(kind: .invalidResponse, status: response.status, method: "GET", url: next,
                                  message: "the Link header's next page is on \(GitHubClient.origin(link) ?? "an unparsable URL"), not on \(GitHubClient.origin(base) ?? base)",
                                  hint: "the token is only sent to --api-url's scheme, host and port; is something between reconcile and GitHub rewriting responses?")
            }
        }
        return comments
    }

    /// Posts a new comment on issue or pull request `number`.
    public func createComment(_ repository: GitHubRepository, issue number: Int, body: String) throws -> IssueComment {
        let url = "\(base)/repos/\(repository.owner)/\(repository.name)/issues/\(number)/comments"
        let (_, json) = try call("POST", url, body: GitHubClient.bodyJSON(body), context: .write(repository, number))
        guard let json else { throw GitHubError(kind: .invalidResponse, status: 201, method: "POST", url: url, message: "empty body", hint: "expected the created comment") }
        return try comment(from: json, method: "POST", url: url)
    }

    /// Replaces the body of comment `id`.
    public func updateComment(_ repository: GitHubRepository, id: Int, body: String) throws -> IssueComment {
        let url = "\(base)/repos/\(repository.owner)/\(repository.name)/issues/comments/\(id)"
        let (_, json) = try call("PATCH", url, body: GitHubClient.bodyJSON(body), context: .comment(repository, id))
        guard let json else { throw GitHubError(kind: .invalidResponse, status: 200, method: "PATCH", url: url, message: "empty body", hint: "expected the updated comment") }
        return try comment(from: json, method: "PATCH", url: url)
    }

    /// Deletes comment `id`.
    public func deleteComment(_ repository: GitHubRepository, id: Int) throws {
        let url = "\(base)/repos/\(repository.owner)/\(repository.name)/issues/comments/\(id)"
        _ = try call("DELETE", url, context: .comment(repository, id))
    }

    // MARK: - Identity

    /// The login of the account the token belongs to (`GET /user`), or nil for a GitHub App
    /// installation token (GitHub Actions' `GITHUB_TOKEN` included), which GitHub answers with
    /// 403: such a token acts as `<app-slug>[bot]` but cannot ask which app it is.
    public func authenticatedLogin() throws -> String? {
        let url = "\(base)/user"
        do {
            let (response, json) = try call("GET", url, context: .identity)
            guard let login = json?["login"]?.string, !login.isEmpty else {
                throw invalid(response, method: "GET", url: url, expected: "the token's account with a login")
            }
            return login
        } catch let error as GitHubError where error.kind == .forbidden {
            return nil
        }
    }

    // MARK: - Requests

    /// What a request was about, to explain a 403 or 404.
    enum Context {
        case list(GitHubRepository, Int)
        case write(GitHubRepository, Int)
        case comment(GitHubRepository, Int)
        /// `GET /user`: who the token is.
        case identity
    }

    private var headers: [(name: String, value: String)] {
        [
            ("Authorization", "Bearer \(configuration.token)"),
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
            ("User-Agent", "reconcile"),
        ]
    }

    /// Sends one request with retries; returns the response and its JSON body (nil when empty).
    private func call(_ method: String, _ url: String, body: String? = nil, context: Context) throws -> (HTTPResponse, Node?) {
        var requestHeaders = headers
        if body != nil { requestHeaders.append(("Content-Type", "application/json; charset=utf-8")) }
        let request = HTTPRequest(method: method, url: url, headers: requestHeaders, body: body.map { Array($0.utf8) },
                                  timeout: configuration.requestTimeout)
        var waited = 0.0
        var backoff = configuration.initialBackoff
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPResponse
            do {
                response = try http.send(request)
            } catch let error as HTTPError {
                // Only retry what cannot have reached GitHub twice: connection failures.
                let delay = min(backoff, configuration.maxBackoff)
                if error.kind == .connect, attempt < configuration.maxAttempts, waited + delay <= configuration.maxTotalWait {
                    configuration.sleep(delay)
                    waited += delay
                    backoff *= 2
                    continue
                }
                throw GitHubError(kind: .transport, status: 0, method: method, url: url, message: error.message,
                                  hint: "check --api-url (\(base)) and the network" + (attempt > 1 ? " (tried \(attempt) times)" : ""))
            }
            let status = response.status
            if (200..<300).contains(status) {
                if response.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return (response, nil) }
                do {
                    return (response, try Node(json: response.body, file: url))
                } catch {
                    throw invalid(response, method: method, url: url, expected: "JSON")
                }
            }
            let message = GitHubClient.message(of: response)
            // Rate limits: wait as GitHub says, when that fits the budget.
            if let wait = rateLimitWait(response, message: message) {
                let delay = max(wait, 0)
                if attempt < configuration.maxAttempts, waited + delay <= configuration.maxTotalWait {
                    configuration.sleep(delay)
                    waited += delay
                    continue
                }
                let resetHint = response.header("x-ratelimit-reset").map { " (the limit resets at \($0), in seconds since 1970)" } ?? ""
                throw GitHubError(kind: .rateLimited, status: status, method: method, url: url, message: message,
                                  hint: "GitHub's rate limit did not clear after \(attempt) attempts and \(Int(waited)) s of waiting\(resetHint); run again later")
            }
            if status >= 500 {
                let delay = min(backoff, configuration.maxBackoff)
                if attempt < configuration.maxAttempts, waited + delay <= configuration.maxTotalWait {
                    configuration.sleep(delay)
                    waited += delay
                    backoff *= 2
                    continue
                }
                throw GitHubError(kind: .server, status: status, method: method, url: url, message: message,
                                  hint: "GitHub kept failing after \(attempt) attempts; run again later")
            }
            throw error(status: status, method: method, url: url, message: message, context: context)
        }
    }

    /// Seconds to wait when `response` is a rate limit (primary or secondary), else nil.
    private func rateLimitWait(_ response: HTTPResponse, message: String) -> Double? {
        guard response.status == 403 || response.status == 429 else { return nil }
        if let retryAfter = response.header("retry-after")?.trimmingCharacters(in: .whitespaces), let seconds = Double(retryAfter) {
            return seconds
        }
        if response.header("x-ratelimit-remaining")?.trimmingCharacters(in: .whitespaces) == "0",
           let reset = response.header("x-ratelimit-reset").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
            return max(reset - configuration.now(), 0) + 1
        }
        // A secondary limit without headers: GitHub asks to wait at least a minute.
        if response.status == 429 || message.lowercased().contains("rate limit") { return 60 }
        return nil
    }

    private func error(status: Int, method: String, url: String, message: String, context: Context) -> GitHubError {
        switch status {
        case 401:
            return GitHubError(kind: .unauthorized, status: status, method: method, url: url, message: message,
                               hint: "the token was rejected (bad credentials): check GITHUB_TOKEN or --token-file; the token may be expired or revoked")
        case 403:
            let permission: String
            switch context {
            case .list(let repository, _):
                permission = "read access to pull requests of \(repository) (`pull-requests: read` or `issues: read`)"
            case .write(let repository, _), .comment(let repository, _):
                permission = "`pull-requests: write` (or `issues: write`) on \(repository)"
            case .identity:
                permission = "to read its own account (GET /user)"
            }
            return GitHubError(kind: .forbidden, status: status, method: method, url: url, message: message,
                               hint: "the token is not allowed to do this: it needs \(permission) (a classic token needs the `repo` scope, `public_repo` for public repositories); in GitHub Actions add `permissions: pull-requests: write` to the workflow")
        case 404:
            let what: String
            switch context {
            case .list(let repository, let number), .write(let repository, let number):
                what = "repository \(repository) or pull request #\(number) not found"
            case .comment(let repository, let id):
                what = "comment \(id) in \(repository) not found (deleted meanwhile?)"
            case .identity:
                what = "GET /user not found (is --api-url a GitHub API?)"
            }
            return GitHubError(kind: .notFound, status: status, method: method, url: url, message: message,
                               hint: "\(what), or the token cannot see it: check --github, --pr and that the token has access to the repository (private repositories answer 404 to tokens without access)")
        default:
            return GitHubError(kind: .unexpectedStatus, status: status, method: method, url: url, message: message, hint: "")
        }
    }

    private func invalid(_ response: HTTPResponse, method: String, url: String, expected: String) -> GitHubError {
        GitHubError(kind: .invalidResponse, status: response.status, method: method, url: url,
                    message: String(response.bodyText.prefix(200)), hint: "expected \(expected); is --api-url (\(base)) a GitHub API?")
    }

    private func comment(from node: Node, method: String, url: String) throws -> IssueComment {
        guard let id = node["id"]?.int else {
            throw GitHubError(kind: .invalidResponse, status: 200, method: method, url: url, message: "a comment without an id",
                              hint: "is --api-url (\(base)) a GitHub API?")
        }
        return IssueComment(id: id, body: node["body"]?.string ?? "", user: node["user"]?["login"]?.string, htmlURL: node["html_url"]?.string,
                            userType: node["user"]?["type"]?.string, app: GitHubClient.appSlug(node["performed_via_github_app"]))
    }

    // MARK: - Wire helpers

    /// The slug of a `performed_via_github_app` object: nil when absent or null, "" when it has none.
    static func appSlug(_ node: Node?) -> String? {
        guard let node, !node.isNull else { return nil }
        return node["slug"]?.string ?? ""
    }

    static func bodyJSON(_ body: String) -> String {
        Node.mapping([Node.Entry(key: "body", value: .string(body))]).jsonString()
    }

    /// GitHub's `message` from an error body, or the status text when there is none.
    static func message(of response: HTTPResponse) -> String {
        if let node = try? Node(json: response.body), let message = node["message"]?.string { return message }
        let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        return String(text.prefix(200))
    }

    /// `scheme://host:port` of `url` (the port filled in from the scheme), lowercased; nil when
    /// `url` has no scheme or host.
    static func origin(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased(), !host.isEmpty else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
        return "\(scheme)://\(host):\(port)"
    }

    /// Whether `url` has the same scheme, host and port as `base`.
    public static func sameOrigin(_ url: String, _ base: String) -> Bool {
        guard let a = origin(url), let b = origin(base) else { return false }
        return a == b
    }

    /// The `rel="next"` target of a `Link` header.
    public static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for link in header.split(separator: ",") {
            let fields = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = fields.dropFirst().contains { field in
                let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, parts[0].lowercased() == "rel" else { return false }
                return parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: " ").contains("next")
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }
}
