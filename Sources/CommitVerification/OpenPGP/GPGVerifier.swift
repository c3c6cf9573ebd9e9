import Foundation

/// Verifies OpenPGP signatures with `gpgv --status-fd` against the operator's keyring, in a
/// private scratch directory (its own `--homedir`, so no user or system GnuPG state is read).
/// gpgv treats every key in the keyring as trusted and exits 0 even for expired or revoked
/// keys, so only the status lines decide (`GPGStatus`).
public struct GPGVerifier: Sendable {
    public let keyring: OpenPGPKeyring
    /// The gpgv executable: a path, or a name looked up on PATH.
    public let gpgv: String
    /// gpgv is killed after this many seconds (a verifier must never hang a pass).
    public let timeout: TimeInterval

    public init(keyring: OpenPGPKeyring, gpgv: String = "gpgv", timeout: TimeInterval = 30) {
        self.keyring = keyring
        self.gpgv = gpgv
        self.timeout = timeout
    }

    /// The verdict for `signature` over `payload`; `committerEmail`, when given, must be the
    /// email of one of the signing key's user IDs.
    public func verify(signature: [UInt8], payload: [UInt8], committerEmail: String?) -> Verdict {
        let output: String
        do {
            output = try run(signature: signature, payload: payload)
        } catch let refusal as Refusal {
            return .refused(refusal)
        } catch {
            return .refused(Refusal(.verifierError, "cannot check an OpenPGP signature: \(error)"))
        }
        let verdict = GPGStatus(parsing: output).verdict
        guard case .verified(let signer, let fingerprint) = verdict, let committerEmail else { return verdict }
        let emails = keyring.emails(ofKey: fingerprint)
        guard emails.contains(where: { $0.lowercased() == committerEmail.lowercased() }) else {
            return .refused(
                Refusal(
                    .signerNotCommitter,
                    "OpenPGP key \(fingerprint) has the user IDs "
                        + "\(emails.isEmpty ? "(none with an email)" : emails.joined(separator: ", ")), "
                        + "none of them the committer \(committerEmail)"))
        }
        return .verified(signer: signer.isEmpty ? committerEmail : signer, fingerprint: fingerprint)
    }

    private func run(signature: [UInt8], payload: [UInt8]) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "reconcile-gpgv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: scratch, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: scratch) }
        let keyringFile = scratch.appendingPathComponent("trusted.gpg")
        let signatureFile = scratch.appendingPathComponent("signature.asc")
        let payloadFile = scratch.appendingPathComponent("payload")
        let statusFile = scratch.appendingPathComponent("status")
        try Data(keyring.binary).write(to: keyringFile)
        try Data(signature).write(to: signatureFile)
        try Data(payload).write(to: payloadFile)
        _ = FileManager.default.createFile(atPath: statusFile.path, contents: nil)
        let status = try FileHandle(forWritingTo: statusFile)
        defer { try? status.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            gpgv, "--homedir", scratch.path, "--status-fd", "1", "--keyring", keyringFile.path,
            signatureFile.path, payloadFile.path,
        ]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LC_ALL": "C"]
        // Status to a file, prose discarded: no pipe can fill up and block gpgv.
        process.standardOutput = status
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            throw Refusal(
                .verifierError, "cannot run \(gpgv) to check an OpenPGP signature: \(error.localizedDescription)")
        }
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            throw Refusal(.verifierError, "\(gpgv) did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        // 127: /usr/bin/env found no gpgv.
        if process.terminationStatus == 127 {
            throw Refusal(
                .verifierError, "\(gpgv) is not installed (Debian package gpgv); it is needed for OpenPGP signatures")
        }
        return String(decoding: (try? Data(contentsOf: statusFile)) ?? Data(), as: UTF8.self)
    }
}
