import Foundation
import ReconcileTestSupport
import Testing
@testable import Git

/// known_hosts parsing and matching, and the digests behind hashed entries.
@Suite(.onTestThreads)
struct KnownHostsTests {
    /// An SSH wire-format key blob: length-prefixed type name, then length-prefixed key bytes.
    static func blob(_ type: String, fill: UInt8) -> [UInt8] {
        func prefixed(_ bytes: [UInt8]) -> [UInt8] {
            [0, 0, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes
        }
        return prefixed(Array(type.utf8)) + prefixed([UInt8](repeating: fill, count: 32))
    }

    static let keyA = blob("ssh-ed25519", fill: 0xA1)
    static let keyB = blob("ssh-ed25519", fill: 0xB2)
    static let rsa = blob("ssh-rsa", fill: 0xC3)
    static func b64(_ key: [UInt8]) -> String { Data(key).base64EncodedString() }

    static let file = KnownHosts(contents: """
        # comment line
        github.com,140.82.112.3 ssh-ed25519 \(b64(keyA)) github
        [git.internal]:2222 ssh-ed25519 \(b64(keyA))
        *.corp.example,!evil.corp.example ssh-ed25519 \(b64(keyA))
        |1|AAECAwQFBgcICQoLDA0ODxAREhM=|5DHGyoq+K/vX4lJK0U2p7IteoFw= ssh-ed25519 \(b64(keyA))
        |1|AAECAwQFBgcICQoLDA0ODxAREhM=|hW7hge8XWLBv0cG0pl8cz3E+/cQ= ssh-ed25519 \(b64(keyB))
        @revoked * ssh-ed25519 \(b64(blob("ssh-ed25519", fill: 0xEE)))
        @cert-authority *.example.org ssh-ed25519 \(b64(keyA))
        not-enough-fields
        broken.example ssh-ed25519 !!!notbase64!!!

        """)

    @Test func plainAndCommaListedHosts() {
        #expect(Self.file.matches(host: "github.com", keyType: "ssh-ed25519", key: Self.keyA))
        #expect(Self.file.matches(host: "GitHub.com", port: 22, keyType: "ssh-ed25519", key: Self.keyA))
        #expect(Self.file.matches(host: "140.82.112.3", keyType: "ssh-ed25519", key: Self.keyA))
        #expect(!Self.file.matches(host: "github.com", port: 2222, keyType: "ssh-ed25519", key: Self.keyA))
    }

    @Test func bracketedPortsOnlyMatchTheirPort() {
        #expect(Self.file.check(host: "git.internal", port: 2222, keyType: "ssh-ed25519", key: Self.keyA) == .trusted)
        #expect(Self.file.check(host: "git.internal", port: 22, keyType: "ssh-ed25519", key: Self.keyA) == .unknown)
    }

    @Test func wildcardsAndNegation() {
        #expect(Self.file.matches(host: "build.corp.example", keyType: "ssh-ed25519", key: Self.keyA))
        #expect(Self.file.check(host: "evil.corp.example", keyType: "ssh-ed25519", key: Self.keyA) == .unknown)
        #expect(KnownHosts.glob(Array("git?.x*"), Array("git1.xyz")))
        #expect(!KnownHosts.glob(Array("git?.x*"), Array("git12.xyz")))
    }

    @Test func hashedEntries() {
        // Generated with HMAC-SHA1(salt = 0x00...0x13, "git.example.com" / "[10.0.0.5]:2222").
        #expect(Self.file.check(host: "git.example.com", keyType: "ssh-ed25519", key: Self.keyA) == .trusted)
        #expect(Self.file.check(host: "10.0.0.5", port: 2222, keyType: "ssh-ed25519", key: Self.keyB) == .trusted)
        #expect(Self.file.check(host: "10.0.0.5", port: 22, keyType: "ssh-ed25519", key: Self.keyB) == .unknown)
    }

    @Test func mismatchRevokedAndUnknown() {
        #expect(Self.file.check(host: "github.com", keyType: "ssh-ed25519", key: Self.keyB) == .mismatch)
        #expect(Self.file.check(host: "github.com", keyType: "ssh-rsa", key: Self.rsa) == .unknown)
        #expect(Self.file.check(host: "nowhere.example", keyType: "ssh-ed25519", key: Self.keyA) == .unknown)
        let revoked = Self.blob("ssh-ed25519", fill: 0xEE)
        #expect(Self.file.check(host: "github.com", keyType: "ssh-ed25519", key: revoked) == .revoked)
        // @cert-authority lines are not treated as host keys.
        #expect(Self.file.check(host: "a.example.org", keyType: "ssh-ed25519", key: Self.keyA) == .unknown)
        #expect(KnownHosts(contents: "").check(host: "github.com", keyType: "ssh-ed25519", key: Self.keyA) == .unknown)
    }

    @Test func sha1FingerprintMatching() {
        let sha1 = SHA1.hash(Self.keyA)
        #expect(Self.file.check(host: "github.com", port: 22, keyType: nil, keySHA1: sha1) == .trusted)
        #expect(Self.file.check(host: "github.com", port: 22, keyType: nil, keySHA1: SHA1.hash(Self.keyB)) == .mismatch)
    }

    @Test func keyTypeFromBlob() {
        #expect(RemoteSession.keyTypeName(fromBlob: Self.rsa) == "ssh-rsa")
        #expect(RemoteSession.keyTypeName(fromBlob: [0, 0, 0, 99, 1]) == nil)
    }

    @Test func sha1AndHMACVectors() {
        #expect(SHA1.hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hex(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA1.hex(SHA1.hash(long)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // RFC 2202 test cases 2 and 6 (key longer than the block size).
        #expect(SHA1.hex(SHA1.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(SHA1.hex(SHA1.hmac(key: [UInt8](repeating: 0xaa, count: 80),
                                   message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    @Test func errorDescriptionFormat() {
        let error = GitError(kind: .unreachableRemote, context: "cannot fetch https://x/y.git",
                             message: "failed to resolve address for x: Name or service not known",
                             function: "git_remote_fetch", code: -1)
        #expect(error.description == "cannot fetch https://x/y.git: failed to resolve address for x: "
            + "Name or service not known (git_remote_fetch, code -1)")
        #expect(GitError.referenceNotFound("v9", in: "/r/.git").description == "ref \"v9\" not found in /r/.git")
    }
}
