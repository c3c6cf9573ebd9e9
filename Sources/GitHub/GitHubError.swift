import HTTP

/// A GitHub API call that failed, with GitHub's own `message` and what to do about it.
public struct GitHubError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 401: the token is missing, malformed, expired or revoked.
        case unauthorized
        /// 403 that is not a rate limit: the token lacks a permission.
        case forbidden
        /// 404: the repository, pull request or comment does not exist or the token cannot see it.
        case notFound
        /// 403/429 rate limits that did not clear within the retry budget.
        case rateLimited
        /// 5xx after every retry.
        case server
        /// Another status (422 validation failed, ...).
        case unexpectedStatus
        /// No HTTP response at all (connection refused, TLS, timeout).
        case transport
        /// A 2xx response whose body is not the JSON expected.
        case invalidResponse
    }

    public var kind: Kind
    /// The HTTP status, 0 for transport errors.
    public var status: Int
    public var method: String
    public var url: String
    /// GitHub's `message` field (or libcurl's message for transport errors).
    public var message: String
    /// What to check or change, for the user.
    public var hint: String

    public init(kind: Kind, status: Int, method: String, url: String, message: String, hint: String) {
        self.kind = kind
        self.status = status
        self.method = method
        self.url = url
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "GitHub API \(method) \(url)"
        text += status == 0 ? " failed: \(message)" : " returned \(status)\(message.isEmpty ? "" : " \"\(message)\"")"
        if !hint.isEmpty { text += ": \(hint)" }
        return text
    }
}
