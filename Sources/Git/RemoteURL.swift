/// The parts of a remote URL we need before talking to libgit2: which transport (to check
/// `git_libgit2_features()` and to apply SSH host-key policy up front), the host and port (libgit2's
/// certificate callback does not tell us the port) and a stable cache directory name.
struct RemoteURL: Sendable, Equatable {
    enum Transport: Sendable, Equatable { case local, https, http, ssh, git }

    let original: String
    let transport: Transport
    let user: String?
    let host: String
    let port: Int?
    let path: String

    init(_ url: String) throws(GitError) {
        original = url
        if let schemeEnd = url.range(of: "://") {
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            let rest = url[schemeEnd.upperBound...]
            switch scheme {
            case "file": transport = .local
            case "https": transport = .https
            case "http": transport = .http
            case "ssh", "ssh+git", "git+ssh": transport = .ssh
            case "git": transport = .git
            default:
                throw GitError(kind: .unsupported, context: "cannot use remote \(url)",
                               message: "unsupported URL scheme \"\(scheme)\" (use file, https, http, ssh or git)")
            }
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<authorityEnd]
            path = String(rest[authorityEnd...])
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                user = String(userinfo.split(separator: ":", maxSplits: 1).first ?? userinfo)
                authority = authority[authority.index(after: at)...]
            } else {
                user = nil
            }
            (host, port) = try Self.splitHostPort(authority, url: url)
        } else if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/"), !url.hasPrefix(".") {
            // scp-like: [user@]host:path
            transport = .ssh
            var authority = url[..<colon]
            path = String(url[url.index(after: colon)...])
            if let at = authority.lastIndex(of: "@") {
                user = String(authority[..<at])
                authority = authority[authority.index(after: at)...]
            } else {
                user = nil
            }
            host = String(authority)
            port = nil
        } else {
            transport = .local
            user = nil
            host = ""
            port = nil
            path = url
        }
        if transport != .local && host.isEmpty {
            throw GitError(kind: .unsupported, context: "cannot use remote \(url)", message: "the URL has no host")
        }
    }

    private static func splitHostPort(_ authority: Substring, url: String) throws(GitError) -> (String, Int?) {
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard let portPart, !portPart.isEmpty else { return (String(hostPart), nil) }
        guard let port = Int(portPart), (1...65535).contains(port) else {
            throw GitError(kind: .unsupported, context: "cannot use remote \(url)", message: "invalid port \"\(portPart)\"")
        }
        return (String(hostPart), port)
    }

    /// The port SSH will connect to.
    var sshPort: Int { port ?? 22 }

    /// The URL without user information, so tokens never end up in names or logs.
    var redacted: String {
        switch transport {
        case .local: return original
        case .ssh where !original.contains("://"): return "\(host):\(path)"
        default:
            let scheme = original[..<original.range(of: "://")!.lowerBound].lowercased()
            let hostText = host.contains(":") ? "[\(host)]" : host
            return "\(scheme)://\(hostText)\(port.map { ":\($0)" } ?? "")\(path)"
        }
    }

    /// `<readable tail>-<12 hex of SHA-1(redacted URL)>`: stable across runs, unique per URL, safe
    /// as a single path component.
    var cacheName: String {
        let readable = (host + "-" + path).map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") ? c : "-"
        }
        var collapsed = ""
        for c in readable where !(c == "-" && collapsed.last == "-") { collapsed.append(c) }
        var tail = String(collapsed.suffix(48))
        while let first = tail.first, first == "-" || first == "." { tail.removeFirst() }
        while let last = tail.last, last == "-" || last == "." { tail.removeLast() }
        let digest = String(SHA1.hex(SHA1.hash(Array(redacted.utf8))).prefix(12))
        return tail.isEmpty ? digest : "\(tail)-\(digest)"
    }
}
