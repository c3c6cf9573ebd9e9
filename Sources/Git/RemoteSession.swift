import Foundation
internal import CGit2

/// The state behind one fetch's libgit2 callbacks (credentials and certificate checks).
///
/// Created before any network access, so policy errors (missing HTTPS/SSH support, SSH without
/// known_hosts) are raised without connecting anywhere. libgit2 gets it as an unretained payload;
/// the fetch keeps it alive with `withExtendedLifetime`. Callbacks run synchronously on the fetching
/// thread, so the mutable state needs no lock. When a callback refuses, it records a typed
/// `GitError` in `failure`, which the fetch throws in preference to libgit2's generic message.
final class RemoteSession {
    let url: RemoteURL
    let credentials: GitCredentials
    let knownHosts: KnownHosts?
    private(set) var failure: GitError?
    /// When the fetch is given up (`GitCredentials.fetchTimeout`).
    let deadline: Date?
    /// Credential types already offered; each is tried once, so a rejected credential fails
    /// instead of looping forever.
    private var offered: Set<UInt32> = []
    /// This fetch's transfer progress, as the callback last reported it (zero when nothing was
    /// downloaded). Not `git_remote_stats`: a remote kept across fetches keeps its old counts.
    private(set) var progress = git_indexer_progress()

    init(url: RemoteURL, credentials: GitCredentials) throws(GitError) {
        self.url = url
        self.credentials = credentials
        self.deadline = credentials.fetchTimeout.map { Date(timeIntervalSinceNow: $0) }
        let context = "cannot fetch \(url.redacted)"
        switch url.transport {
        case .https where !LibGit2.supportsHTTPS:
            throw GitError(kind: .unsupported, context: context,
                           message: "this libgit2 was built without HTTPS support (git_libgit2_features)")
        case .ssh where !LibGit2.supportsSSH:
            throw GitError(kind: .unsupported, context: context,
                           message: "this libgit2 was built without SSH support (git_libgit2_features)")
        case .ssh where !credentials.insecureSkipHostKeyCheck:
            guard let path = credentials.knownHostsPath else {
                throw GitError(
                    kind: .hostKeyCheckNotConfigured, context: context,
                    message: "SSH host-key checking is on but no known_hosts file was given; pass a known_hosts "
                        + "file containing the key of \(url.host) (e.g. from `ssh-keyscan -p \(url.sshPort) \(url.host)`, "
                        + "verified out of band) as knownHostsPath, or explicitly disable checking with "
                        + "insecureSkipHostKeyCheck")
            }
            knownHosts = try KnownHosts(path: path)
        default:
            knownHosts = nil
        }
        if url.transport != .ssh { return }
        if let key = credentials.sshPrivateKeyPath, !FileManager.default.isReadableFile(atPath: key) {
            throw GitError(kind: .authenticationFailed, context: context, message: "cannot read SSH private key \(key)")
        }
    }

    /// Points `callbacks` at this session. The caller must keep `self` alive while libgit2 runs.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, usernameFromURL, allowedTypes, payload in
            guard let out, let payload else { return -1 }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            if let expired = session.expired() { return expired }
            return session.acquireCredential(out, usernameFromURL: swiftString(usernameFromURL), allowed: allowedTypes)
        }
        callbacks.certificate_check = { cert, _, host, payload in
            guard let cert, let payload else { return -1 }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            if let expired = session.expired() { return expired }
            return session.checkCertificate(cert, host: swiftString(host))
        }
        callbacks.transfer_progress = { stats, payload in
            guard let payload else { return 0 }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            if let stats { session.progress = stats.pointee }
            return session.expired() ?? 0
        }
        callbacks.sideband_progress = { _, _, payload in
            guard let payload else { return 0 }
            return Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue().expired() ?? 0
        }
    }

    // MARK: - Credentials

    private func acquireCredential(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, usernameFromURL: String?, allowed: UInt32
    ) -> Int32 {
        if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
            let user = credentials.username ?? usernameFromURL ?? "git"
            guard offer(GIT_CREDENTIAL_SSH_KEY.rawValue) else {
                return refuse("the server rejected SSH authentication as \"\(user)\""
                    + (credentials.sshPrivateKeyPath.map { " with key \($0)" } ?? " via ssh-agent"))
            }
            if let privateKey = credentials.sshPrivateKeyPath {
                return git_credential_ssh_key_new(
                    out, user, credentials.sshPublicKeyPath, privateKey, credentials.sshPassphrase)
            }
            if ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil {
                return git_credential_ssh_key_from_agent(out, user)
            }
            return refuse("the server requires SSH authentication but no private key was given (sshPrivateKeyPath) "
                + "and no ssh-agent is running")
        }
        if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
            let user = credentials.username ?? usernameFromURL ?? "git"
            guard offer(GIT_CREDENTIAL_USERNAME.rawValue) else {
                return refuse("the server rejected the user name \"\(user)\"")
            }
            return git_credential_username_new(out, user)
        }
        if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 {
            let user = credentials.username ?? usernameFromURL ?? "x-access-token"
            guard let token = credentials.token else {
                return refuse("the server requires authentication but no token was given")
            }
            guard offer(GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue) else {
                return refuse("the server rejected the token for user \"\(user)\"")
            }
            return git_credential_userpass_plaintext_new(out, user, token)
        }
        return refuse("the server asked for an unsupported kind of credentials (libgit2 types \(allowed))")
    }

    private func offer(_ type: UInt32) -> Bool {
        offered.insert(type).inserted
    }

    /// A negative code that aborts the fetch once its deadline has passed; nil before.
    private func expired() -> Int32? {
        guard let deadline, Date() >= deadline else { return nil }
        let message = "the fetch took longer than \(Int(credentials.fetchTimeout ?? 0)) s and was aborted"
        failure = GitError(kind: .unreachableRemote, context: "cannot fetch \(url.redacted)", message: message)
        git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), message)
        return GIT_EUSER.rawValue
    }

    private func refuse(_ message: String) -> Int32 {
        failure = GitError(kind: .authenticationFailed, context: "cannot fetch \(url.redacted)", message: message)
        git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), message)
        return GIT_EAUTH.rawValue
    }

    // MARK: - Host keys

    private func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>, host: String?) -> Int32 {
        guard cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else {
            return GIT_PASSTHROUGH.rawValue  // TLS: let libgit2/OpenSSL validate against the system CAs
        }
        if credentials.insecureSkipHostKeyCheck { return 0 }
        let host = host ?? url.host
        guard let knownHosts else {
            return rejectHostKey("no known_hosts file was given for \(host)")
        }
        let hostkey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
        let verdict: KnownHosts.Verdict
        var keyLine = ""
        if hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey {
            let key = [UInt8](UnsafeRawBufferPointer(start: raw, count: hostkey.hostkey_len))
            let keyType = Self.keyTypeName(hostkey.raw_type) ?? Self.keyTypeName(fromBlob: key) ?? "unknown"
            verdict = knownHosts.check(host: host, port: url.sshPort, keyType: keyType, key: key)
            let name = url.sshPort == 22 ? host : "[\(host)]:\(url.sshPort)"
            keyLine = "; its key is \"\(name) \(keyType) \(Data(key).base64EncodedString())\""
        } else if hostkey.type.rawValue & GIT_CERT_SSH_SHA1.rawValue != 0 {
            let sha1 = withUnsafeBytes(of: hostkey.hash_sha1) { [UInt8]($0) }
            verdict = knownHosts.check(host: host, port: url.sshPort, keyType: nil, keySHA1: sha1)
        } else {
            return rejectHostKey("libssh2 gave neither the raw host key nor its SHA-1, so \(host) cannot be verified")
        }
        switch verdict {
        case .trusted: return 0
        case .unknown: return rejectHostKey("host key of \(host) port \(url.sshPort) is not in known_hosts\(keyLine)")
        case .mismatch:
            return rejectHostKey("HOST KEY MISMATCH for \(host) port \(url.sshPort): known_hosts lists a different key "
                + "(possible man-in-the-middle)\(keyLine)")
        case .revoked: return rejectHostKey("host key of \(host) port \(url.sshPort) is marked @revoked in known_hosts")
        }
    }

    private func rejectHostKey(_ message: String) -> Int32 {
        failure = GitError(kind: .hostKeyMismatch, context: "cannot fetch \(url.redacted)", message: message)
        git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), message)
        return GIT_ECERTIFICATE.rawValue
    }

    static func keyTypeName(_ type: git_cert_ssh_raw_type_t) -> String? {
        switch type {
        case GIT_CERT_SSH_RAW_TYPE_RSA: return "ssh-rsa"
        case GIT_CERT_SSH_RAW_TYPE_DSS: return "ssh-dss"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256: return "ecdsa-sha2-nistp256"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384: return "ecdsa-sha2-nistp384"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521: return "ecdsa-sha2-nistp521"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519: return "ssh-ed25519"
        default: return nil
        }
    }

    /// SSH key blobs start with a length-prefixed algorithm name (RFC 4253 §6.6).
    static func keyTypeName(fromBlob blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let length = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard length > 0, blob.count >= 4 + length else { return nil }
        return String(decoding: blob[4..<(4 + length)], as: UTF8.self)
    }
}
