import Foundation

/// What the operator requires of the commits and tags that may reach the cluster. Built from
/// command-line flags only: nothing in the config repository can widen it.
public struct VerificationPolicy: Sendable {
    /// Which object must be signed, as Flux's `spec.verify.mode`.
    public enum Mode: String, Sendable, CaseIterable {
        /// The commit the ref resolves to.
        case head
        /// The annotated tag the ref names.
        case tag
        /// Both the tag and the commit it points to.
        case both
    }

    public var mode: Mode
    /// SSH signatures are accepted when a trusted signers file is given.
    public var ssh: SSHVerifier?
    /// OpenPGP signatures are accepted when a trusted keyring is given.
    public var openPGP: GPGVerifier?
    /// The signer's SSH principal or OpenPGP user ID email must be the committer's (tagger's) email.
    public var requireSignerIsCommitter: Bool
    /// When not empty, the committer's (tagger's) email must match one of these (ssh-style
    /// patterns: `*@example.com` allowed).
    public var allowedCommitters: [String]

    public init(
        mode: Mode = .head, ssh: SSHVerifier? = nil, openPGP: GPGVerifier? = nil,
        requireSignerIsCommitter: Bool = false, allowedCommitters: [String] = []
    ) {
        self.mode = mode
        self.ssh = ssh
        self.openPGP = openPGP
        self.requireSignerIsCommitter = requireSignerIsCommitter
        self.allowedCommitters = allowedCommitters
    }
}
