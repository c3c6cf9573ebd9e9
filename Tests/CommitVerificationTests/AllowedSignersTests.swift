import Foundation
import Testing

@testable import CommitVerification

/// git's allowed_signers format: principals, options, keys, and errors naming file and line.
@Suite struct AllowedSignersTests {
    static let opsOptions = #"namespaces="git,file",valid-after="20240101",valid-before="202406301200Z""#
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOC0PEOK29z9eVz24+q4JzOOk2f5tp4L+4KLdMoICO3u"

    @Test func parsesPrinciplesOptionsAndComments() throws {
        let text = """
            # trusted signers
            alice@example.com \(Self.ed25519) alice laptop

            "*@ops.example.com,!mallory@ops.example.com" \(Self.opsOptions) \(Self.ed25519)
            ci@example.com cert-authority \(Self.ed25519)
            """
        let signers = try AllowedSigners(text: text, path: "signers", timeZone: TimeZone(identifier: "UTC")!)
        #expect(signers.entries.count == 3)
        let first = signers.entries[0]
        #expect(first.principals == "alice@example.com")
        #expect(first.namespaces == nil && first.validAfter == nil && first.validBefore == nil)
        #expect(first.location == "signers:2")
        #expect(first.fingerprint.hasPrefix("SHA256:"))
        let second = signers.entries[1]
        #expect(second.principals == "*@ops.example.com,!mallory@ops.example.com")
        #expect(second.namespaces == "git,file")
        #expect(second.validAfter == Date(timeIntervalSince1970: 1_704_067_200))
        #expect(second.validBefore == Date(timeIntervalSince1970: 1_719_748_800))
        #expect(second.location == "signers:4")
        #expect(signers.entries[2].certificateAuthority)
    }

    @Test(arguments: [
        ("alice@example.com", "signers:1: missing key after principals alice@example.com"),
        ("alice@example.com ssh-ed25519", "signers:1: missing base64 key after key type ssh-ed25519"),
        ("alice@example.com ssh-ed25519 !!notbase64", "signers:1: invalid ssh-ed25519 key: key is not valid base64"),
        ("alice@example.com foo=\"x\" \(ed25519)", "signers:1: unsupported option foo"),
        (
            "alice@example.com valid-before=\"2024\" \(ed25519)",
            "signers:1: option valid-before must be a time YYYYMMDD[HHMM[SS]][Z], got 2024"
        ),
        (
            "alice@example.com namespaces=git \(ed25519)",
            "signers:1: option value must be double-quoted: namespaces=git"
        ),
        ("alice@example.com ssh-dss AAAA", "signers:1: unsupported key type ssh-dss"),
        (
            "alice@example.com namespaces=\"git\" rsa AAAA",
            "signers:1: unknown key type rsa after options namespaces=\"git\""
        ),
        (
            "alice@example.com ecdsa-sha2-nistp256 \(ed25519.dropFirst(12))",
            "signers:1: invalid ecdsa-sha2-nistp256 key: "
                + "key type ecdsa-sha2-nistp256 does not match the key's own type ssh-ed25519"
        ),
    ])
    func badLinesNameFileLineAndField(line: String, message: String) {
        let error = #expect(throws: AllowedSignersError.self) { try AllowedSigners(text: line, path: "signers") }
        #expect(error?.description == message)
    }

    @Test func missingFileIsAClearError() {
        let error = #expect(throws: AllowedSignersError.self) {
            try AllowedSigners(contentsOf: "/nonexistent/allowed_signers")
        }
        #expect(
            error?.description.hasPrefix("/nonexistent/allowed_signers: cannot read the trusted signers file") == true)
    }

    @Test func timesWithoutZoneUseTheGivenZone() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(
            AllowedSignersLine.parseTime("20240101", timeZone: berlin) == Date(timeIntervalSince1970: 1_704_063_600))
        #expect(
            AllowedSignersLine.parseTime("20240101Z", timeZone: berlin) == Date(timeIntervalSince1970: 1_704_067_200))
        #expect(
            AllowedSignersLine.parseTime("20240101123045Z", timeZone: berlin)
                == Date(timeIntervalSince1970: 1_704_112_245))
        #expect(AllowedSignersLine.parseTime("20241301", timeZone: berlin) == nil)
        #expect(AllowedSignersLine.parseTime("2024010", timeZone: berlin) == nil)
    }

    @Test func patternListsMatchAsSSHDoes() {
        #expect(PatternList.matches("alice@example.com", list: "alice@example.com"))
        #expect(PatternList.matches("Alice@Example.com", list: "alice@example.com"))
        #expect(PatternList.matches("bob@ops.example.com", list: "*@ops.example.com"))
        #expect(!PatternList.matches("bob@example.com", list: "*@ops.example.com"))
        #expect(PatternList.matches("git", list: "file,git"))
        #expect(PatternList.matches("a1", list: "a?"))
        #expect(!PatternList.matches("mallory@ops.example.com", list: "*@ops.example.com,!mallory@ops.example.com"))
        #expect(!PatternList.matches("x", list: "!y"))
        #expect(!PatternList.matches("anything", list: ""))
        #expect(PatternList.matches(String(repeating: "a", count: 2000), list: String(repeating: "*a", count: 50)))
    }
}
