import Foundation
import Git

/// Refuses unencrypted network transports unless the operator opts in with
/// `--allow-insecure-transport`: over `http://` or `git://` anyone on the path can read the
/// repository and any token sent with it, or change the manifests on their way to the cluster;
/// over an `http://` API server they can read the credentials and rewrite every object.
///
/// Loopback hosts are exempt (127.0.0.0/8, ::1, `localhost`): that traffic does not leave the
/// machine (local development, port-forwards, test servers). `file://`, local paths, `https://`,
/// `ssh://` and scp-like `user@host:path` are allowed. The check parses the URL only, so a refusal
/// happens before any connection is made.
enum InsecureTransport {
    static let flag = "--allow-insecure-transport"

    /// Schemes that send everything in the clear.
    static let cleartextSchemes: Set<String> = ["http", "git"]

    /// The refusal for git remote `url`, or nil when it may be used.
    static func refusal(gitRemote url: String, allowed: Bool) -> UserError? {
        guard !allowed, let (scheme, host) = cleartextTarget(url), !isLoopback(host: host) else { return nil }
        return UserError("refusing the git remote \(CredentialRedaction.redactingURLCredentials(in: url)): \(scheme):// is not encrypted, "
                         + "so the repository (and any token sent with it) can be read or changed on the way to the cluster; "
                         + "use https:// or ssh://, or pass \(flag) if the network path is trusted (loopback hosts are exempt)")
    }

    /// The refusal for Kubernetes API server `server` (of kubeconfig context `context`), or nil.
    static func refusal(kubeServer server: String, context: String?, allowed: Bool) -> UserError? {
        guard !allowed, let (scheme, host) = cleartextTarget(server), !isLoopback(host: host) else { return nil }
        let of = context.map { " of kubeconfig context \"\($0)\"" } ?? ""
        return UserError("refusing the Kubernetes API server \(CredentialRedaction.redactingURLCredentials(in: server))\(of): \(scheme):// is not encrypted, "
                         + "so the credentials and every object can be read or changed on the way; "
                         + "use https://, or pass \(flag) if the network path is trusted (loopback hosts are exempt)")
    }

    /// The lowercased scheme and the host of `url` when its scheme is a cleartext one; nil for
    /// anything else (other schemes, scp-like addresses, local paths).
    static func cleartextTarget(_ url: String) -> (scheme: String, host: String)? {
        guard let separator = url.range(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard cleartextSchemes.contains(scheme) else { return nil }
        let rest = url[separator.upperBound...]
        var authority = rest[..<(rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex)]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return (scheme, String(authority[authority.index(after: authority.startIndex)..<close]))
        }
        if let colon = authority.lastIndex(of: ":") { authority = authority[..<colon] }
        return (scheme, String(authority))
    }

    /// Whether `host` is a loopback address (127.0.0.0/8 or ::1, as numeric addresses only) or
    /// `localhost`. Other names, even ones that resolve to 127.0.0.1, are not: what they resolve
    /// to can change.
    static func isLoopback(host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "localhost." { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }
        return false
    }
}
