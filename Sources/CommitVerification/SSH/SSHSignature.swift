import Crypto
import Foundation

/// An SSHSIG signature (OpenSSH PROTOCOL.sshsig) as git stores it for `gpg.format=ssh`:
/// `-----BEGIN SSH SIGNATURE-----`, base64 of
/// `"SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved) string(hash) string(signature)`.
struct SSHSignature: Equatable, Sendable {
    static let beginMarker = "-----BEGIN SSH SIGNATURE-----"
    static let endMarker = "-----END SSH SIGNATURE-----"
    private static let magic = Array("SSHSIG".utf8)

    let publicKey: SSHPublicKey
    let namespace: String
    /// `sha512` or `sha256`: the hash of the message that was signed.
    let hashAlgorithm: String
    /// The inner signature blob (`string format, string bytes`).
    let signature: [UInt8]

    /// Parses the armored form; throws saying what is malformed.
    init(armored text: String) throws(SSHFormatError) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: Self.beginMarker) else {
            throw SSHFormatError("no \(Self.beginMarker) line")
        }
        guard let end = lines[begin...].firstIndex(of: Self.endMarker) else {
            throw SSHFormatError("no \(Self.endMarker) line")
        }
        guard let data = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw SSHFormatError("the SSH signature is not valid base64")
        }
        try self.init(blob: Array(data))
    }

    init(blob: [UInt8]) throws(SSHFormatError) {
        var reader = SSHWireReader(blob)
        do {
            guard try reader.fixed(6, "magic") == Self.magic else {
                throw SSHFormatError("not an SSHSIG signature (bad magic)")
            }
            let version = try reader.uint32("version")
            guard version == 1 else { throw SSHFormatError("SSHSIG version \(version) is not supported (only 1)") }
            publicKey = try SSHPublicKey(blob: try reader.string("public key"))
            namespace = try reader.text("namespace")
            _ = try reader.string("reserved")
            hashAlgorithm = try reader.text("hash algorithm")
            signature = try reader.string("signature")
        } catch let truncated as SSHWireReader.Truncated {
            throw SSHFormatError("the SSH signature is truncated in its \(truncated.field)")
        } catch let error as SSHFormatError {
            throw error
        } catch {
            throw SSHFormatError("\(error)")
        }
        guard reader.isAtEnd else { throw SSHFormatError("the SSH signature has trailing bytes") }
    }

    /// Whether the signature is `publicKey`'s over `message` in this signature's namespace.
    /// Throws for an unknown hash algorithm or a key/format mismatch.
    func verifies(_ message: [UInt8]) throws(SSHFormatError) -> Bool {
        let digest: [UInt8]
        switch hashAlgorithm {
        case "sha512": digest = Array(SHA512.hash(data: message))
        case "sha256": digest = Array(SHA256.hash(data: message))
        default: throw SSHFormatError("hash algorithm \(hashAlgorithm) is not supported (sha512, sha256)")
        }
        var signed = SSHWireWriter()
        signed.raw(Self.magic)
        signed.string(namespace)
        signed.string([UInt8]())
        signed.string(hashAlgorithm)
        signed.string(digest)
        return try publicKey.isValidSignature(signature, for: signed.bytes)
    }
}
