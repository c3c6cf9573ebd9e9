internal import CGit2

/// The single error type of the `Git` module.
///
/// Every libgit2 return code is turned into a `GitError` in one place (`LibGit2.check`), so callers
/// always get the failing libgit2 function, its code and `git_error_last()`'s message, prefixed by a
/// sentence saying what we were trying to do. `kind` lets the CLI recognise the few failures it
/// reports differently (missing ref, unreachable remote, authentication, host keys).
public struct GitError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The failures callers need to tell apart; everything else is `.other`.
    public enum Kind: Sendable, Equatable {
        case referenceNotFound
        case notARepository
        case unreachableRemote
        case authenticationFailed
        /// The server's SSH host key is unknown to, differs from, or is revoked in known_hosts.
        case hostKeyMismatch
        /// SSH host-key checking is on but no known_hosts file was configured.
        case hostKeyCheckNotConfigured
        /// libgit2 was built without the transport the URL needs (HTTPS or SSH), or the URL is unusable.
        case unsupported
        /// A file (or all files together) is larger than the `ReadLimits` allow.
        case tooLarge
        case other
    }

    public let kind: Kind
    /// What we were doing, e.g. `cannot fetch https://x/y.git`.
    public let context: String
    /// libgit2's message (`git_error_last()`) or our own explanation; may be empty.
    public let message: String
    /// The libgit2 function that failed, when one did.
    public let function: String?
    /// The libgit2 return code, when a libgit2 function failed.
    public let code: Int32?

    /// `context` and `message` are stored with URL credentials redacted (`CredentialRedaction`):
    /// they name remotes, and libgit2's messages may echo a URL with its token.
    public init(kind: Kind, context: String, message: String = "", function: String? = nil, code: Int32? = nil) {
        self.kind = kind
        self.context = CredentialRedaction.redactingURLCredentials(in: context)
        self.message = CredentialRedaction.redactingURLCredentials(in: message)
        self.function = function
        self.code = code
    }

    public var description: String {
        var text = context
        if !message.isEmpty { text += text.isEmpty ? message : ": \(message)" }
        if let function {
            text += " (\(function)" + (code.map { ", code \($0)" } ?? "") + ")"
        }
        return text
    }

    /// `ref "<ref>" not found in <repo>`.
    static func referenceNotFound(_ ref: String, in repo: String) -> GitError {
        GitError(kind: .referenceNotFound, context: "ref \"\(ref)\" not found in \(repo)")
    }

    /// Builds an error from a failed libgit2 call, reading (and copying) `git_error_last()` at once.
    static func fromLibGit2(code: Int32, function: String, context: String, kind: Kind? = nil) -> GitError {
        var message = "unknown libgit2 error"
        var errorClass: Int32 = 0
        if let last = git_error_last() {
            errorClass = last.pointee.klass
            if let text = last.pointee.message { message = String(cString: text) }
        }
        let trimmed = message.trimmingCharacters(in: [" ", "\n", "\r", "\t"])
        return GitError(
            kind: kind ?? classify(code: code, errorClass: errorClass),
            context: context, message: trimmed, function: function, code: code)
    }

    private static func classify(code: Int32, errorClass: Int32) -> Kind {
        switch code {
        case GIT_EAUTH.rawValue: return .authenticationFailed
        case GIT_ECERTIFICATE.rawValue: return .hostKeyMismatch
        default: break
        }
        switch errorClass {
        case Int32(GIT_ERROR_NET.rawValue), Int32(GIT_ERROR_SSH.rawValue), Int32(GIT_ERROR_HTTP.rawValue):
            return .unreachableRemote
        default:
            return .other
        }
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
