/// Keeps one plan (in one or more parts) as "sticky" comments on a pull request, as Atlantis
/// does: the bot's earlier comments for this instance are found by their hidden marker and
/// updated in place; missing parts are created and surplus old parts deleted. Only comments that
/// start with this instance's marker *and* are by the token's own account (`CommentAuthor`) are
/// ours: people's comments, other bots, other instances, and the marker posted by anyone else are
/// never touched.
public struct StickyComment: Sendable {
    /// The config instance whose plan this is (the `instance=` in the marker).
    public let instance: String

    public init(instance: String) { self.instance = instance }

    /// One step of a sync.
    public enum Action: Equatable, Sendable {
        /// Replace the body of existing comment `id` with part `part`.
        case update(id: Int, part: Int, body: String)
        /// Post part `part` as a new comment.
        case create(part: Int, body: String)
        /// Delete an old part that the new plan no longer needs.
        case delete(id: Int)
    }

    /// What a sync did, in order.
    public struct Outcome: Equatable, Sendable, CustomStringConvertible {
        public enum Verb: String, Sendable { case updated, created, deleted, ignored }
        public var verb: Verb
        public var id: Int
        /// 1-based part, nil for deletions.
        public var part: Int?
        public var count: Int
        public var url: String?
        /// For `.ignored`: who wrote the comment.
        public var author: String?

        public var description: String {
            var text = "\(verb.rawValue) comment \(id)"
            if let part, count > 1 { text += " (part \(part) of \(count))" }
            if verb == .ignored { text += ": it carries this plan's marker but is by \(author ?? "an unknown account"), not by this token's account" }
            return text
        }
    }

    /// Whether `body` is one of this instance's plan comments: its first line is
    /// `<!-- reconcile-plan instance=NAME -->` or `<!-- reconcile-plan instance=NAME part=i/n -->`.
    public func owns(_ body: String) -> Bool {
        let firstLine = body.prefix { $0 != "\n" && $0 != "\r" }
        let head = "<!-- reconcile-plan instance=\(instance)"
        guard firstLine.hasPrefix(head), firstLine.hasSuffix(" -->") else { return false }
        let rest = firstLine.dropFirst(head.count).dropLast(" -->".count)
        if rest.isEmpty { return true }
        guard rest.hasPrefix(" part=") else { return false }
        let numbers = rest.dropFirst(" part=".count).split(separator: "/", omittingEmptySubsequences: false)
        return numbers.count == 2 && numbers.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && Int($0) != nil }
    }

    /// The steps that turn `existing` (the pull request's comments, oldest first) into `parts`.
    /// Our old comments — this instance's marker, written by `author` — are reused in the order
    /// they were posted, so the parts stay in reading order: the i-th old comment becomes part i,
    /// parts beyond them are created (they appear after), old comments beyond the new part count
    /// are deleted, after the writes.
    public func actions(existing: [IssueComment], parts: [String], author: CommentAuthor) -> [Action] {
        let ours = existing.filter { owns($0.body) && author.wrote($0) }.sorted { $0.id < $1.id }
        var actions: [Action] = []
        for (index, body) in parts.enumerated() {
            if index < ours.count {
                actions.append(.update(id: ours[index].id, part: index + 1, body: body))
            } else {
                actions.append(.create(part: index + 1, body: body))
            }
        }
        for old in ours.dropFirst(parts.count) {
            actions.append(.delete(id: old.id))
        }
        return actions
    }

    /// Lists the pull request's comments and applies `actions(existing:parts:author:)`. `author`
    /// nil asks GitHub who the token is, and only when a comment carries our marker (a first
    /// run costs no extra request). Marker comments by others are reported as `.ignored` first.
    /// `onOutcome` is told each step as it completes, so a failure halfway still reports what
    /// was done.
    @discardableResult
    public func sync(parts: [String], client: GitHubClient, repository: GitHubRepository, pullRequest number: Int,
                     author: CommentAuthor? = nil, onOutcome: (Outcome) -> Void = { _ in }) throws -> [Outcome] {
        precondition(!parts.isEmpty, "a plan comment has at least one part")
        for (index, part) in parts.enumerated() where !owns(part) {
            preconditionFailure("part \(index + 1) does not start with the marker of instance \(instance)")
        }
        let existing = try client.listComments(repository, issue: number)
        var outcomes: [Outcome] = []
        func record(_ outcome: Outcome) {
            outcomes.append(outcome)
            onOutcome(outcome)
        }
        let marked = existing.filter { owns($0.body) }
        // No comment carries our marker: nothing to edit, so no need to ask who the token is.
        let author = try marked.isEmpty ? (author ?? .anyAppBot) : (author ?? CommentAuthor.ofToken(client))
        for comment in marked where !author.wrote(comment) {
            record(Outcome(verb: .ignored, id: comment.id, part: nil, count: parts.count, url: comment.htmlURL, author: comment.user))
        }
        for action in actions(existing: existing, parts: parts, author: author) {
            switch action {
            case .update(let id, let part, let body):
                do {
                    let comment = try client.updateComment(repository, id: id, body: body)
                    record(Outcome(verb: .updated, id: comment.id, part: part, count: parts.count, url: comment.htmlURL))
                } catch let error as GitHubError where error.kind == .notFound {
                    // Deleted since we listed it: post the part anew.
                    let comment = try client.createComment(repository, issue: number, body: body)
                    record(Outcome(verb: .created, id: comment.id, part: part, count: parts.count, url: comment.htmlURL))
                }
            case .create(let part, let body):
                let comment = try client.createComment(repository, issue: number, body: body)
                record(Outcome(verb: .created, id: comment.id, part: part, count: parts.count, url: comment.htmlURL))
            case .delete(let id):
                do {
                    try client.deleteComment(repository, id: id)
                } catch let error as GitHubError where error.kind == .notFound {
                    // Already gone: the goal is met.
                }
                record(Outcome(verb: .deleted, id: id, part: nil, count: parts.count, url: nil))
            }
        }
        return outcomes
    }
}
