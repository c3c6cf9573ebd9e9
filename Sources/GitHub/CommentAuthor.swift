/// Whose comments a sticky plan comment may edit or delete: only the token's own. The marker alone
/// proves nothing — anyone who can comment can post it — so a comment carrying it but written by
/// someone else is left alone and a new one is posted instead.
public enum CommentAuthor: Sendable, Equatable, CustomStringConvertible {
    /// Exactly this login (compared as GitHub does, without regard to case): the token's account
    /// from `GET /user`, or the login pinned with `--comment-author`.
    case login(String)
    /// Any GitHub App bot: for an installation token (GitHub Actions' `GITHUB_TOKEN` included),
    /// which cannot ask GitHub which app it is. Matches comments by `<slug>[bot]` accounts of type
    /// `Bot` or posted through an app. Another app's bot posting our marker would still match;
    /// pin `--comment-author` to rule that out.
    case anyAppBot

    /// Whether `comment` was written by this author.
    public func wrote(_ comment: IssueComment) -> Bool {
        guard let user = comment.user else { return false }
        switch self {
        case .login(let login):
            return user.lowercased() == login.lowercased()
        case .anyAppBot:
            return user.hasSuffix("[bot]") && (comment.userType == "Bot" || comment.app != nil)
        }
    }

    /// Asks GitHub who `client`'s token is: its login, or `.anyAppBot` for an installation token.
    public static func ofToken(_ client: GitHubClient) throws -> CommentAuthor {
        try client.authenticatedLogin().map(CommentAuthor.login) ?? .anyAppBot
    }

    public var description: String {
        switch self {
        case .login(let login): return login
        case .anyAppBot: return "a GitHub App bot (the token is an installation token)"
        }
    }
}
