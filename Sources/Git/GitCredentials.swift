/// How to authenticate to a remote and how to verify SSH hosts.
///
/// HTTPS uses `username`/`token` (the token is sent as the password; the username defaults to
/// `x-access-token`, which GitHub, GitLab and Gitea accept). SSH uses a key pair from files (or the
/// ssh-agent when no key file is given and `SSH_AUTH_SOCK` is set); the username defaults to the one in
/// the URL, else `git`. SSH host-key checking is on by default: without `knownHostsPath` an SSH remote
/// is refused unless `insecureSkipHostKeyCheck` is set explicitly.
public struct GitCredentials: Sendable, Equatable {
    public var username: String?
    public var token: String?
    public var sshPrivateKeyPath: String?
    public var sshPublicKeyPath: String?
    public var sshPassphrase: String?
    public var knownHostsPath: String?
    public var insecureSkipHostKeyCheck: Bool
    /// A fetch that runs longer is aborted (seconds; nil: no limit). libgit2 1.5 has no socket
    /// timeout of its own, so this is checked whenever libgit2 calls back (data arriving,
    /// credentials, host keys); a server that sends nothing at all is left to `/healthz`.
    public var fetchTimeout: Double?

    public init(
        username: String? = nil,
        token: String? = nil,
        sshPrivateKeyPath: String? = nil,
        sshPublicKeyPath: String? = nil,
        sshPassphrase: String? = nil,
        knownHostsPath: String? = nil,
        insecureSkipHostKeyCheck: Bool = false,
        fetchTimeout: Double? = nil
    ) {
        self.fetchTimeout = fetchTimeout
        self.username = username
        self.token = token
        self.sshPrivateKeyPath = sshPrivateKeyPath
        self.sshPublicKeyPath = sshPublicKeyPath
        self.sshPassphrase = sshPassphrase
        self.knownHostsPath = knownHostsPath
        self.insecureSkipHostKeyCheck = insecureSkipHostKeyCheck
    }
}
