import ArgumentParser
import Foundation
import GitHub
import ReconcileCore

/// `reconcile comment`: posts a markdown plan on a pull request as a sticky comment, updating the
/// earlier one (found by its hidden marker), splitting it when it exceeds GitHub's comment limit
/// and deleting parts an earlier, longer plan left behind.
struct CommentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Post or update the plan comment on a GitHub pull request.",
        discussion: """
        Reads a plan rendered with `reconcile plan --format markdown` and keeps it as one comment on \
        the pull request (several when it exceeds GitHub's 65,536-character limit). The earlier \
        comment of the same instance is found by its hidden marker and updated, but only when the \
        token's own account wrote it: anyone can post the marker, and such comments by others are \
        never touched (a new comment is posted instead, with a warning). The token's account comes \
        from GET /user; an installation token (GitHub Actions' GITHUB_TOKEN, a GitHub App) cannot \
        read it, and then any GitHub App bot's comment counts as its own; --comment-author pins \
        the login (such as my-app[bot]).

        The token comes from --token-file or GITHUB_TOKEN and needs `pull-requests: write` (or \
        `issues: write`). The API URL comes from --api-url, else GITHUB_API_URL (set by GitHub \
        Actions, also on GitHub Enterprise Server), else https://api.github.com.
        """)

    @Option(name: .customLong("github"), help: ArgumentHelp("The repository, as owner/name.", valueName: "owner/repo"))
    var repository: String

    @Option(name: .customLong("pr"), help: ArgumentHelp("The pull request number.", valueName: "n"))
    var pullRequest: Int

    @Option(help: ArgumentHelp("The markdown plan to post; - reads standard input.", valueName: "file"))
    var bodyFile: String

    @Option(help: "The config instance the comment belongs to (default: from the marker in the body).")
    var instance: String?

    @Option(help: ArgumentHelp("Read the token from this file instead of GITHUB_TOKEN.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Only edit comments by this login (default: the token's account from GET /user, or any GitHub App bot for an installation token).", valueName: "login"))
    var commentAuthor: String?

    @Option(help: ArgumentHelp("GitHub API base URL, e.g. https://ghe.example.com/api/v3 for GitHub Enterprise Server.", valueName: "url"))
    var apiURL: String?

    func validate() throws {
        if GitHubRepository(repository) == nil {
            throw ValidationError("--github must be owner/name (such as acme/mesh-config), got \(repository)")
        }
        if pullRequest < 1 { throw ValidationError("--pr must be a pull request number, got \(pullRequest)") }
        if let instance, !CommentCommand.isValidInstance(instance) {
            throw ValidationError("--instance must be letters, digits, '-', '_' or '.', got \(instance)")
        }
        if let commentAuthor, !CommentCommand.isValidLogin(commentAuthor) {
            throw ValidationError("--comment-author must be a GitHub login (letters, digits and '-', optionally ending in [bot]), got \(commentAuthor)")
        }
        if let apiURL, !(apiURL.hasPrefix("https://") || apiURL.hasPrefix("http://")) {
            throw ValidationError("--api-url must be an http(s) URL such as https://ghe.example.com/api/v3, got \(apiURL)")
        }
    }

    func run() async throws {
        let console = Console.current
        let environment = ProcessInfo.processInfo.environment
        let body = try readBody()
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw UserError("\(bodyFile == "-" ? "standard input" : bodyFile) is empty: nothing to post")
        }
        guard let name = instance ?? CommentSplitter.Marker.parse(body: body)?.instance else {
            throw UserError("\(bodyFile == "-" ? "standard input" : bodyFile) does not start with a <!-- reconcile-plan instance=NAME --> marker (render it with `reconcile plan --format markdown`) and --instance is not given")
        }
        guard CommentCommand.isValidInstance(name) else {
            throw UserError("the marker names instance \"\(name)\", which cannot be matched safely; pass --instance")
        }
        let token = try readToken(environment: environment)
        let api = apiURL ?? environment["GITHUB_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? GitHubClient.Configuration.defaultAPIURL

        let parts = CommentSplitter().split(body, instance: name)
        let client = GitHubClient(configuration: GitHubClient.Configuration(apiURL: api, token: token))
        guard let repo = GitHubRepository(repository) else { throw UserError("--github must be owner/name, got \(repository)") }
        do {
            try StickyComment(instance: name).sync(parts: parts, client: client, repository: repo, pullRequest: pullRequest,
                                                   author: commentAuthor.map(CommentAuthor.login)) { outcome in
                if outcome.verb == .ignored {
                    console.err("warning: \(outcome)\n")
                } else {
                    console.out("\(outcome)\n")
                }
            }
        } catch let error as GitHubError {
            throw UserError(error.description)
        }
    }

    private func readBody() throws -> String {
        let data: Data
        if bodyFile == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: bodyFile) else {
                throw UserError("cannot read \(bodyFile): no such file or not readable")
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw UserError("\(bodyFile == "-" ? "standard input" : bodyFile) is not UTF-8 text")
        }
        return text
    }

    private func readToken(environment: [String: String]) throws -> String {
        let token: String
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw UserError("cannot read the token file \(tokenFile): no such file or not readable")
            }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if token.isEmpty { throw UserError("the token file \(tokenFile) is empty") }
        } else {
            token = (environment["GITHUB_TOKEN"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if token.isEmpty {
                throw UserError("no GitHub token: set GITHUB_TOKEN or pass --token-file (the token needs pull-requests: write)")
            }
        }
        if token.contains(where: { $0.isNewline || $0 == " " }) {
            throw UserError("the GitHub token contains spaces or line breaks; \(tokenFile.map { "check \($0)" } ?? "check GITHUB_TOKEN")")
        }
        return token
    }

    /// A GitHub login: letters, digits and single hyphens, with `[bot]` for an app's account.
    static func isValidLogin(_ login: String) -> Bool {
        let name = login.hasSuffix("[bot]") ? login.dropLast("[bot]".count) : Substring(login)
        return !name.isEmpty && name.count <= 39 && !name.hasPrefix("-")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    static func isValidInstance(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }
}
