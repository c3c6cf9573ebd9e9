import Foundation

/// An OpenSSH `known_hosts` file, used to verify SSH host keys ourselves (libgit2 hands the raw key
/// to our certificate callback; we decide).
///
/// Supported: plain host names, `[host]:port` for non-22 ports, comma-separated pattern lists,
/// `*`/`?` wildcards, `!negated` patterns, hashed `|1|salt|hash` entries (HMAC-SHA1) and the
/// `@revoked` marker. `@cert-authority` lines are ignored: host certificates are not supported, so
/// such hosts need a plain key line.
public struct KnownHosts: Sendable, Equatable {
    /// The outcome of looking a host key up.
    public enum Verdict: Sendable, Equatable {
        /// A line for this host lists exactly this key.
        case trusted
        /// The host is known with a key of this type, but a different one: possible man-in-the-middle.
        case mismatch
        /// No line for this host and key type.
        case unknown
        /// The key is listed as `@revoked`.
        case revoked
    }

    struct Entry: Sendable, Equatable {
        var revoked: Bool
        var patterns: [String]
        var keyType: String
        var key: [UInt8]
    }

    let entries: [Entry]

    /// Parses the file's text; malformed lines are skipped, as ssh does.
    public init(contents: String) {
        var entries: [Entry] = []
        for rawLine in contents.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var revoked = false
            if first.hasPrefix("@") {
                guard first == "@revoked" else { continue }  // @cert-authority: unsupported
                revoked = true
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { continue }
            entries.append(Entry(
                revoked: revoked, patterns: fields[0].split(separator: ",").map(String.init),
                keyType: fields[1], key: [UInt8](key)))
        }
        self.entries = entries
    }

    /// Reads a known_hosts file from disk.
    public init(path: String) throws(GitError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GitError(kind: .hostKeyCheckNotConfigured, context: "cannot read known_hosts file \(path)")
        }
        self.init(contents: String(decoding: data, as: UTF8.self))
    }

    /// True when the key is trusted for `host` on `port` (`keyType` like `ssh-ed25519`).
    public func matches(host: String, port: Int = 22, keyType: String, key: [UInt8]) -> Bool {
        check(host: host, port: port, keyType: keyType, key: key) == .trusted
    }

    public func check(host: String, port: Int = 22, keyType: String, key: [UInt8]) -> Verdict {
        check(host: host, port: port, keyType: keyType) { $0 == key }
    }

    /// Like `check`, for when only the SHA-1 of the key blob is known.
    func check(host: String, port: Int, keyType: String?, keySHA1: [UInt8]) -> Verdict {
        check(host: host, port: port, keyType: keyType) { SHA1.hash($0) == keySHA1 }
    }

    private func check(host: String, port: Int, keyType: String?, keyMatches: ([UInt8]) -> Bool) -> Verdict {
        let name = port == 22 ? host.lowercased() : "[\(host.lowercased())]:\(port)"
        var sawSameType = false
        var trusted = false
        for entry in entries where Self.hostMatches(name, entry.patterns) {
            let sameKey = (keyType == nil || entry.keyType == keyType) && keyMatches(entry.key)
            if entry.revoked {
                if sameKey { return .revoked }
                continue
            }
            if keyType == nil || entry.keyType == keyType { sawSameType = true }
            if sameKey { trusted = true }
        }
        if trusted { return .trusted }
        return sawSameType ? .mismatch : .unknown
    }

    /// A line matches when some pattern matches and no negated pattern does.
    static func hostMatches(_ name: String, _ patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("|1|") {
                if hashedMatches(name, pattern) { matched = true }
            } else if pattern.hasPrefix("!") {
                if glob(Array(pattern.dropFirst().lowercased()), Array(name)) { return false }
            } else if glob(Array(pattern.lowercased()), Array(name)) {
                matched = true
            }
        }
        return matched
    }

    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
    static func hashedMatches(_ name: String, _ pattern: String) -> Bool {
        let parts = pattern.split(separator: "|", omittingEmptySubsequences: true)
        guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])),
              let digest = Data(base64Encoded: String(parts[2])) else { return false }
        return SHA1.hmac(key: [UInt8](salt), message: Array(name.utf8)) == [UInt8](digest)
    }

    /// OpenSSH-style wildcard match: `*` any run, `?` one character.
    static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0, star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
