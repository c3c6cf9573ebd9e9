/// What gpgv's machine-readable status lines (`--status-fd`, `[GNUPG:] KEYWORD args`; see
/// gnupg's doc/DETAILS) say about one detached signature. The prose on stderr is never read.
struct GPGStatus: Equatable {
    /// The key ID and user ID of GOODSIG/EXPKEYSIG/REVKEYSIG/BADSIG/EXPSIG.
    var keyID: String?
    var userID: String?
    /// VALIDSIG's signing-key fingerprint and primary-key fingerprint (last field).
    var fingerprint: String?
    var primaryFingerprint: String?
    var signatures = 0
    var good = false
    var bad = false
    var expiredSignature = false
    var expiredKey = false
    var revokedKey = false
    /// ERRSIG's return code (4 unknown algorithm, 9 missing public key) and NO_PUBKEY.
    var errorCode: String?
    var missingKey = false

    init(parsing output: String) {
        for line in output.split(whereSeparator: \.isNewline) {
            guard line.hasPrefix("[GNUPG:] ") else { continue }
            let fields = line.dropFirst("[GNUPG:] ".count).split(separator: " ", omittingEmptySubsequences: false).map(
                String.init)
            guard let keyword = fields.first else { continue }
            let rest = Array(fields.dropFirst())
            func keyAndUser() {
                keyID = rest.first
                userID = rest.dropFirst().joined(separator: " ")
            }
            switch keyword {
            case "NEWSIG": signatures += 1
            case "GOODSIG":
                good = true
                keyAndUser()
            case "BADSIG":
                bad = true
                keyAndUser()
            case "EXPSIG":
                expiredSignature = true
                keyAndUser()
            case "EXPKEYSIG":
                expiredKey = true
                keyAndUser()
            case "REVKEYSIG":
                revokedKey = true
                keyAndUser()
            case "VALIDSIG":
                fingerprint = rest.first
                primaryFingerprint = rest.count >= 10 ? rest[9] : rest.first
            case "ERRSIG":
                keyID = rest.first
                errorCode = rest.count >= 6 ? rest[5] : "?"
            case "NO_PUBKEY":
                missingKey = true
                keyID = rest.first
            default: continue
            }
        }
    }

    /// The verdict these lines give, before the committer checks.
    var verdict: Verdict {
        let key = primaryFingerprint ?? fingerprint ?? keyID ?? "unknown key"
        if signatures > 1 {
            return .refused(
                Refusal(
                    .malformedSignature, "the OpenPGP signature holds \(signatures) signatures; exactly one is accepted"
                ))
        }
        if bad {
            return .refused(Refusal(.badSignature, "OpenPGP signature by \(key) does not match the signed content"))
        }
        if missingKey || errorCode == "9" {
            return .refused(Refusal(.unknownKey, "OpenPGP key \(key) is not in the trusted keyring"))
        }
        if let errorCode {
            return .refused(
                Refusal(
                    .malformedSignature, "gpgv cannot check the OpenPGP signature by \(key) (ERRSIG code \(errorCode))")
            )
        }
        if revokedKey { return .refused(Refusal(.revokedKey, "OpenPGP key \(key) (\(userID ?? "")) is revoked")) }
        if expiredKey { return .refused(Refusal(.expiredKey, "OpenPGP key \(key) (\(userID ?? "")) has expired")) }
        if expiredSignature { return .refused(Refusal(.expiredKey, "the OpenPGP signature by \(key) has expired")) }
        guard good, signatures == 1, let primary = primaryFingerprint ?? fingerprint else {
            return .refused(Refusal(.malformedSignature, "gpgv reported no good signature"))
        }
        return .verified(signer: userID ?? "", fingerprint: primary)
    }
}
