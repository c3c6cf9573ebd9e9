import Crypto
import Foundation
import _CryptoExtras

/// An SSH public key as it appears in `allowed_signers` and inside an SSHSIG blob. The key types
/// git users sign with are verified in-process; others (FIDO `sk-*`, certificates) are kept so a
/// signature by them is refused with a clear reason instead of the whole file being rejected.
struct SSHPublicKey: Equatable, Sendable {
    enum Algorithm: Equatable, Sendable {
        case ed25519
        case ecdsaP256
        case ecdsaP384
        case rsa
        /// Parsed as a key type name only; verification refuses it as unsupported.
        case unsupported(String)
    }

    /// The key type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …).
    let type: String
    /// The wire-format blob: what is compared with the signature's key and fingerprinted.
    let blob: [UInt8]
    let algorithm: Algorithm

    /// `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it.
    var fingerprint: String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static let verifiableTypes: [String: Algorithm] = [
        "ssh-ed25519": .ed25519, "ecdsa-sha2-nistp256": .ecdsaP256, "ecdsa-sha2-nistp384": .ecdsaP384, "ssh-rsa": .rsa,
    ]

    /// Key type names accepted in `allowed_signers` (the verifiable ones plus those refused later).
    static func isKeyType(_ name: String) -> Bool {
        verifiableTypes[name] != nil || name.hasPrefix("sk-") || name.hasSuffix("-cert-v01@openssh.com")
            || name == "ecdsa-sha2-nistp521"
    }

    /// Parses a wire blob; throws a message saying what is wrong.
    init(blob: [UInt8]) throws(SSHFormatError) {
        var reader = SSHWireReader(blob)
        do {
            type = try reader.text("key type")
            self.blob = blob
            guard let algorithm = Self.verifiableTypes[type] else {
                self.algorithm = .unsupported(type)
                return
            }
            self.algorithm = algorithm
            switch algorithm {
            case .ed25519:
                guard try reader.string("ed25519 key").count == 32 else {
                    throw SSHFormatError("ed25519 key is not 32 bytes")
                }
            case .ecdsaP256, .ecdsaP384:
                let curve = try reader.text("curve name")
                guard "ecdsa-sha2-" + curve == type else {
                    throw SSHFormatError("curve \(curve) does not match key type \(type)")
                }
                _ = try reader.string("ecdsa point")
            case .rsa:
                _ = try reader.mpint("rsa exponent")
                _ = try reader.mpint("rsa modulus")
            case .unsupported:
                break
            }
        } catch let truncated as SSHWireReader.Truncated {
            throw SSHFormatError("public key is truncated in its \(truncated.field)")
        } catch let error as SSHFormatError {
            throw error
        } catch {
            throw SSHFormatError("\(error)")
        }
        guard reader.isAtEnd else { throw SSHFormatError("public key has trailing bytes") }
    }

    /// Parses `type base64` as in `.pub` files and allowed_signers.
    init(type: String, base64: String) throws(SSHFormatError) {
        guard let data = Data(base64Encoded: base64) else { throw SSHFormatError("key is not valid base64") }
        try self.init(blob: Array(data))
        guard self.type == type else {
            throw SSHFormatError("key type \(type) does not match the key's own type \(self.type)")
        }
    }

    /// Whether `signature` (an SSH signature blob: `string format, string bytes`) is this key's
    /// signature over `data`. Throws for an unsupported key or a format that does not fit the key
    /// (a refusal with a reason); returns false for a well-formed signature that does not verify.
    func isValidSignature(_ signature: [UInt8], for data: [UInt8]) throws(SSHFormatError) -> Bool {
        var reader = SSHWireReader(signature)
        do {
            let format = try reader.text("signature format")
            let bytes = try reader.string("signature bytes")
            guard reader.isAtEnd else { throw SSHFormatError("signature has trailing bytes") }
            var key = SSHWireReader(blob)
            _ = try key.string("key type")
            switch algorithm {
            case .ed25519:
                guard format == "ssh-ed25519" else {
                    throw SSHFormatError("signature format \(format) does not fit an ed25519 key")
                }
                let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: try key.string("ed25519 key"))
                return publicKey.isValidSignature(bytes, for: data)
            case .ecdsaP256, .ecdsaP384:
                guard format == type else {
                    throw SSHFormatError("signature format \(format) does not fit a \(type) key")
                }
                _ = try key.string("curve name")
                let point = try key.string("ecdsa point")
                var parts = SSHWireReader(bytes)
                let r = try parts.mpint("ecdsa r")
                let s = try parts.mpint("ecdsa s")
                if algorithm == .ecdsaP256 {
                    guard r.count <= 32, s.count <= 32 else { return false }
                    let signature = try P256.Signing.ECDSASignature(
                        rawRepresentation: Self.pad(r, 32) + Self.pad(s, 32))
                    return try P256.Signing.PublicKey(x963Representation: point).isValidSignature(signature, for: data)
                }
                guard r.count <= 48, s.count <= 48 else { return false }
                let signature = try P384.Signing.ECDSASignature(rawRepresentation: Self.pad(r, 48) + Self.pad(s, 48))
                return try P384.Signing.PublicKey(x963Representation: point).isValidSignature(signature, for: data)
            case .rsa:
                let exponent = try key.mpint("rsa exponent")
                let modulus = try key.mpint("rsa modulus")
                let publicKey: _RSA.Signing.PublicKey
                do {
                    publicKey = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
                } catch {
                    throw SSHFormatError(
                        "RSA key of \(modulus.count * 8) bits is refused: at least 2048 bits are required",
                        unsupported: true)
                }
                let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: bytes)
                switch format {
                case "rsa-sha2-512":
                    return publicKey.isValidSignature(
                        rsaSignature, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
                case "rsa-sha2-256":
                    return publicKey.isValidSignature(
                        rsaSignature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
                default:
                    // ssh-keygen refuses SHA-1 (`ssh-rsa`) signatures for SSHSIG too.
                    throw SSHFormatError(
                        "RSA signature format \(format) is refused: only rsa-sha2-512 and rsa-sha2-256 are accepted")
                }
            case .unsupported(let name):
                throw SSHFormatError(
                    "\(name) keys are not supported for commit signatures (use ed25519, ECDSA P-256/P-384 or RSA)",
                    unsupported: true)
            }
        } catch let truncated as SSHWireReader.Truncated {
            throw SSHFormatError("signature or key is truncated in its \(truncated.field)")
        } catch let error as SSHFormatError {
            throw error
        } catch {
            // CryptoKit rejected a key or signature encoding (a point not on the curve, …).
            throw SSHFormatError("malformed key or signature: \(error)")
        }
    }

    private static func pad(_ bytes: [UInt8], _ count: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: max(0, count - bytes.count)) + bytes
    }
}

/// A malformed SSH key, signature or armor, with what is wrong.
struct SSHFormatError: Error, CustomStringConvertible, Equatable {
    let description: String
    /// Well-formed, but a key kind we do not verify (refused as `unsupported_key`).
    let unsupported: Bool

    init(_ description: String, unsupported: Bool = false) {
        self.description = description
        self.unsupported = unsupported
    }
}
