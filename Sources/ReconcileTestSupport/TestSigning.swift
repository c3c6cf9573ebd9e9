import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Real signing keys and signed commits for the signature-verification tests (issue 20): SSH keys
/// made by `ssh-keygen`, OpenPGP keys made by `gpg` in a throwaway GNUPGHOME, commits signed by
/// `git -S`, and hand-built commits (wrong namespace, tampered payload) written with
/// `git hash-object`. Never linked into `reconcile`.
public enum TestSigning {
    /// Why the SSH tests cannot run here, or nil when `ssh-keygen` is installed.
    public static var sshUnavailable: String? {
        BuiltProducts.tool(named: "ssh-keygen") == nil ? "ssh-keygen is not installed (Debian: openssh-client)" : nil
    }

    /// Why the OpenPGP tests cannot run here, or nil when `gpg` and `gpgv` are installed.
    public static var gpgUnavailable: String? {
        if BuiltProducts.tool(named: "gpg") == nil { return "gpg is not installed (Debian: gnupg)" }
        if BuiltProducts.tool(named: "gpgv") == nil { return "gpgv is not installed (Debian: gpgv)" }
        return nil
    }

    /// An SSH key pair on disk.
    public struct SSHKey: Sendable {
        public let privateKeyPath: String
        /// `ssh-ed25519 AAAA… comment`, as in the `.pub` file.
        public let publicKey: String
    }

    /// `ssh-keygen -t <type>` without a passphrase; `type` is ed25519, ecdsa (with `bits` 256/384) or rsa.
    public static func sshKey(type: String, bits: Int? = nil, in directory: String, name: String) throws -> SSHKey {
        let path = directory + "/" + name
        var args = ["-q", "-t", type, "-N", "", "-C", name, "-f", path]
        if let bits { args += ["-b", String(bits)] }
        try run("ssh-keygen", args, in: directory)
        let publicKey = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return SSHKey(privateKeyPath: path, publicKey: publicKey)
    }

    /// `ssh-keygen -Y sign -n <namespace>` over `data`; returns the armored signature.
    public static func sshSign(_ data: [UInt8], key: SSHKey, namespace: String, in directory: String) throws -> String {
        let file = directory + "/sign-\(UUID().uuidString)"
        try Data(data).write(to: URL(fileURLWithPath: file))
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: file + ".sig")
        }
        try run("ssh-keygen", ["-q", "-Y", "sign", "-n", namespace, "-f", key.privateKeyPath, file], in: directory)
        return try String(contentsOfFile: file + ".sig", encoding: .utf8)
    }

    /// A throwaway GNUPGHOME with its own keys.
    public struct GPGHome: Sendable {
        public let path: String

        /// A new empty home under `directory`.
        public init(in directory: String) throws {
            path = directory + "/gnupg-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        }

        /// An unprotected ed25519 signing key (fast); `expire` as gpg's Expire-Date (`0`, `1d`);
        /// `fakedTime` (`20200101T000000`) makes it as of that moment. Returns its fingerprint.
        @discardableResult
        public func generateKey(
            name: String, email: String, expire: String = "0", fakedTime: String? = nil
        ) throws -> String {
            let parameters = """
                %no-protection
                Key-Type: eddsa
                Key-Curve: ed25519
                Key-Usage: sign
                Name-Real: \(name)
                Name-Email: \(email)
                Expire-Date: \(expire)
                %commit

                """
            let file = path + "/params-\(UUID().uuidString.prefix(8))"
            try parameters.write(toFile: file, atomically: true, encoding: .utf8)
            var args = ["--batch"]
            if let fakedTime { args += ["--faked-system-time", fakedTime + "!"] }
            try gpg(args + ["--gen-key", file])
            let listing = try gpg(["--with-colons", "--fingerprint", email])
            guard
                let fpr = listing.split(separator: "\n").first(where: { $0.hasPrefix("fpr:") })?
                    .split(separator: ":", omittingEmptySubsequences: false).dropFirst(9).first
            else {
                throw TestGit.Failure(description: "gpg made no key for \(email): \(listing)")
            }
            return String(fpr)
        }

        /// A `gpg.program` for git that runs gpg as of `fakedTime` (to sign with a key that has
        /// expired since).
        public func programAsOf(_ fakedTime: String) throws -> String {
            let script = path + "/gpg-as-of-\(fakedTime)"
            let gpg = BuiltProducts.tool(named: "gpg") ?? "/usr/bin/gpg"
            try "#!/bin/sh\nexec \(gpg) --faked-system-time \(fakedTime)! \"$@\"\n".write(
                toFile: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
            return script
        }

        /// Stops the gpg-agent gpg started for this home (call before removing it).
        public func close() {
            _ = try? TestSigning.run(
                "gpgconf", ["--homedir", path, "--kill", "gpg-agent"], in: path, environment: ["GNUPGHOME": path])
        }

        /// Adds a second user ID to the key.
        public func addUserID(_ fingerprint: String, _ userID: String) throws {
            try gpg(["--batch", "--quick-add-uid", fingerprint, userID])
        }

        /// Revokes the key with the revocation certificate gpg stored when making it.
        public func revoke(_ fingerprint: String) throws {
            let stored = try String(contentsOfFile: path + "/openpgp-revocs.d/\(fingerprint).rev", encoding: .utf8)
            // gpg prefixes the armor line with ':' so the file cannot be imported by accident.
            let certificate = stored.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN")
            let file = path + "/revoke.asc"
            try certificate.write(toFile: file, atomically: true, encoding: .utf8)
            try gpg(["--batch", "--import", file])
        }

        /// Writes the public keys (all, or those named) to `file`, binary or ASCII-armored.
        public func export(to file: String, armor: Bool, keys: [String] = []) throws {
            try gpg(["--batch", "--yes", "--output", file] + (armor ? ["--armor"] : []) + ["--export"] + keys)
        }

        @discardableResult
        public func gpg(_ args: [String]) throws -> String {
            try TestSigning.run("gpg", ["--homedir", path] + args, in: path, environment: ["GNUPGHOME": path])
        }
    }

    /// A commit of `files` signed by `git -S` with the SSH key; `committerEmail` overrides the
    /// fixture's committer. Returns the commit id.
    @discardableResult
    public static func sshSignedCommit(
        in repo: String, key: SSHKey, files: [String: String], message: String,
        committerEmail: String? = nil
    ) throws -> String {
        try commit(
            in: repo, files: files, message: message, committerEmail: committerEmail,
            config: ["gpg.format=ssh", "user.signingkey=\(key.privateKeyPath)"], sign: true, environment: [:])
    }

    /// A commit signed by `git -S` with the OpenPGP key `fingerprint` from `home`.
    @discardableResult
    public static func gpgSignedCommit(
        in repo: String, home: GPGHome, fingerprint: String, files: [String: String],
        message: String, committerEmail: String? = nil, program: String = "gpg"
    ) throws -> String {
        try commit(
            in: repo, files: files, message: message, committerEmail: committerEmail,
            config: ["gpg.format=openpgp", "gpg.program=\(program)", "user.signingkey=\(fingerprint)"], sign: true,
            environment: ["GNUPGHOME": home.path])
    }

    /// An unsigned commit (`committerEmail` as for the signed ones).
    @discardableResult
    public static func unsignedCommit(
        in repo: String, files: [String: String], message: String,
        committerEmail: String? = nil
    ) throws -> String {
        try commit(
            in: repo, files: files, message: message, committerEmail: committerEmail, config: [], sign: false,
            environment: [:])
    }

    /// A commit on HEAD whose `gpgsig` header is whatever `sign` returns for the commit's bytes
    /// (for signatures git would not make: another namespace, another key's). Moves HEAD to it.
    @discardableResult
    public static func handSignedCommit(
        in repo: String, message: String, sign: ([UInt8]) throws -> String
    ) throws -> String {
        let tree = try TestGit.run(["rev-parse", "HEAD^{tree}"], in: repo)
        let parent = try TestGit.run(["rev-parse", "HEAD"], in: repo)
        let identity = "Test User <test@example.com> 1714564800 +0000"
        let payload = "tree \(tree)\nparent \(parent)\nauthor \(identity)\ncommitter \(identity)\n\n\(message)\n"
        let signature = try sign(Array(payload.utf8))
        return try writeCommit(in: repo, withHeader: signature, into: payload)
    }

    /// A copy of signed commit `id` with its message replaced by `message`, the signature kept:
    /// a tampered payload. Moves HEAD to it.
    @discardableResult
    public static func tamperedCommit(in repo: String, from id: String, message: String) throws -> String {
        let raw = try TestGit.run(["cat-file", "commit", id], in: repo) + "\n"
        guard let blank = raw.range(of: "\n\n") else {
            throw TestGit.Failure(description: "commit \(id) has no message")
        }
        let object = String(raw[..<blank.lowerBound]) + "\n\n" + message + "\n"
        return try writeObject(object, in: repo)
    }

    private static func writeCommit(
        in repo: String, withHeader signature: String, into payload: String
    ) throws -> String {
        guard let end = payload.range(of: "\n\n") else { throw TestGit.Failure(description: "payload has no message") }
        let header = "gpgsig " + signature.trimmingCharacters(in: .newlines).replacingOccurrences(of: "\n", with: "\n ")
        let object = String(payload[..<end.lowerBound]) + "\n" + header + String(payload[end.lowerBound...])
        return try writeObject(object, in: repo)
    }

    private static func writeObject(_ object: String, in repo: String) throws -> String {
        let file = repo + "/.git/object-\(UUID().uuidString.prefix(8))"
        try object.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let id = try TestGit.run(["hash-object", "-t", "commit", "-w", file], in: repo)
        try TestGit.run(["update-ref", "HEAD", id], in: repo)
        try TestGit.run(["reset", "-q", "--hard", id], in: repo)
        return id
    }

    private static func commit(
        in repo: String, files: [String: String], message: String, committerEmail: String?,
        config: [String], sign: Bool, environment: [String: String]
    ) throws -> String {
        for (name, text) in files { try TestGit.write(text, to: repo + "/" + name) }
        var env = environment
        if let committerEmail { env["GIT_COMMITTER_EMAIL"] = committerEmail }
        let configArgs = config.flatMap { ["-c", $0] }
        try run("git", ["-c", "init.defaultBranch=main", "add", "-A"], in: repo, environment: env)
        try run(
            "git", configArgs + ["commit", "-q", "--allow-empty"] + (sign ? ["-S"] : []) + ["-m", message],
            in: repo, environment: env)
        return try TestGit.run(["rev-parse", "HEAD"], in: repo)
    }

    /// Runs `tool` with TestGit's isolated environment plus `environment`, failing after 60 s.
    @discardableResult
    public static func run(
        _ tool: String, _ args: [String], in directory: String,
        environment: [String: String] = [:]
    ) throws -> String {
        try TestGit.runTool(tool, args, in: directory, environment: environment, timeout: 60)
    }
}
