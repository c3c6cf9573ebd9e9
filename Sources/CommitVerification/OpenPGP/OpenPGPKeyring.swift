import Crypto
import Foundation

/// The operator's OpenPGP public keys (`--trusted-keyring`): binary (`gpg --export`) or
/// ASCII-armored (`gpg --export --armor`). gpgv reads only binary keyrings, so armor is removed
/// here; the user IDs of each primary key are read from its packets (RFC 9580 §4-5) for
/// `--require-signer-is-committer`. The keyring is trusted input from the operator, so user IDs
/// are taken as listed (their self-signatures are not re-checked here; gpgv checks the commit's).
public struct OpenPGPKeyring: Sendable, Equatable {
    /// The keyring as binary packets, ready for `gpgv --keyring`.
    public let binary: [UInt8]
    /// User IDs of each primary key, by its uppercase hex fingerprint.
    public let userIDs: [String: [String]]
    public let path: String

    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw KeyringError(path: path, message: "cannot read the trusted keyring: \(error.localizedDescription)")
        }
        try self.init(bytes: Array(data), path: path)
    }

    public init(bytes: [UInt8], path: String) throws {
        self.path = path
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        binary =
            text.contains("-----BEGIN PGP PUBLIC KEY BLOCK-----")
            ? try Self.dearmor(String(decoding: bytes, as: UTF8.self), path: path) : bytes
        userIDs = try Self.readUserIDs(binary, path: path)
        guard !userIDs.isEmpty else {
            throw KeyringError(path: path, message: "the trusted keyring holds no public key")
        }
    }

    /// The email addresses (`<…>` of each user ID, or the whole ID when it is a bare address).
    public func emails(ofKey fingerprint: String) -> [String] {
        (userIDs[fingerprint.uppercased()] ?? []).compactMap { userID in
            if let open = userID.lastIndex(of: "<"), let close = userID.lastIndex(of: ">"), open < close {
                return String(userID[userID.index(after: open)..<close])
            }
            return userID.contains("@") ? userID.trimmingCharacters(in: .whitespaces) : nil
        }
    }

    /// Base64 bodies of every `PUBLIC KEY BLOCK`, concatenated; armor headers and the CRC line are skipped.
    static func dearmor(_ text: String, path: String) throws -> [UInt8] {
        var output: [UInt8] = []
        var body: String?
        var inHeaders = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line == "-----BEGIN PGP PUBLIC KEY BLOCK-----" {
                body = ""
                inHeaders = true
            } else if line == "-----END PGP PUBLIC KEY BLOCK-----" {
                guard let block = body, let data = Data(base64Encoded: block) else {
                    throw KeyringError(
                        path: "\(path):\(index + 1)", message: "the armored key block is not valid base64")
                }
                output += data
                body = nil
            } else if body != nil {
                if inHeaders {
                    if line.isEmpty {
                        inHeaders = false
                    } else if !line.contains(":") {
                        inHeaders = false
                        body! += line
                    }
                } else if !line.hasPrefix("=") {
                    body! += line
                }
            }
        }
        guard body == nil else { throw KeyringError(path: path, message: "an armored key block has no END line") }
        return output
    }

    /// Walks the packets: a public-key packet (tag 6) starts a key, user ID packets (tag 13)
    /// belong to the key before them.
    static func readUserIDs(_ bytes: [UInt8], path: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        var current: String?
        var offset = 0
        while offset < bytes.count {
            let start = offset
            func fail(_ message: String) -> KeyringError {
                KeyringError(path: path, message: "OpenPGP packet at byte \(start): \(message)")
            }
            let header = bytes[offset]
            guard header & 0x80 != 0 else { throw fail("not a packet header") }
            let tag: UInt8
            var length: Int
            offset += 1
            func byte() throws -> Int {
                guard offset < bytes.count else { throw fail("truncated length") }
                defer { offset += 1 }
                return Int(bytes[offset])
            }
            if header & 0x40 != 0 {
                tag = header & 0x3f
                let first = try byte()
                switch first {
                case ..<192: length = first
                case 192..<224: length = ((first - 192) << 8) + (try byte()) + 192
                case 255: length = try (0..<4).reduce(0) { value, _ in (value << 8) | (try byte()) }
                default: throw fail("partial body lengths are not allowed in a keyring")
                }
            } else {
                tag = (header >> 2) & 0x0f
                switch header & 0x03 {
                case 0: length = try byte()
                case 1: length = try (0..<2).reduce(0) { value, _ in (value << 8) | (try byte()) }
                case 2: length = try (0..<4).reduce(0) { value, _ in (value << 8) | (try byte()) }
                default: length = bytes.count - offset
                }
            }
            guard length >= 0, length <= bytes.count - offset else { throw fail("length \(length) runs past the end") }
            let body = Array(bytes[offset..<offset + length])
            offset += length
            switch tag {
            case 6:
                let fingerprint = try Self.fingerprint(body, fail: fail)
                current = fingerprint
                result[fingerprint, default: []] += []
            case 13:
                if let current { result[current, default: []].append(String(decoding: body, as: UTF8.self)) }
            default:
                continue
            }
        }
        return result
    }

    /// v4: SHA-1 of 0x99, 2-byte length, body; v5/v6: SHA-256 of 0x9A/0x9B, 4-byte length, body.
    static func fingerprint(_ body: [UInt8], fail: (String) -> KeyringError) throws -> String {
        guard let version = body.first else { throw fail("empty public key packet") }
        let count = body.count
        let digest: [UInt8]
        switch version {
        case 4:
            digest = Array(Insecure.SHA1.hash(data: [0x99, UInt8(count >> 8 & 0xff), UInt8(count & 0xff)] + body))
        case 5, 6:
            let prefix: UInt8 = version == 5 ? 0x9A : 0x9B
            let length = [
                UInt8(count >> 24 & 0xff), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff),
            ]
            digest = Array(SHA256.hash(data: [prefix] + length + body))
        default:
            throw fail("public key version \(version) is not supported")
        }
        return digest.map { String(format: "%02X", $0) }.joined()
    }
}

/// An unreadable or malformed keyring, naming the file (and line or byte).
public struct KeyringError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String

    public var description: String { "\(path): \(message)" }
}
