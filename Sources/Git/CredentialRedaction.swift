/// Removes credentials embedded in URLs (`https://x-access-token:TOKEN@host/…`,
/// `https://user:password@host/…`, `https://TOKEN@host/…`) from text bound for logs, errors,
/// status objects and events. A `--repo` URL may carry a token, and libgit2 and the transports
/// may echo the URL back in their messages, so every such text passes through here.
///
/// The whole userinfo — user name included — becomes `***`: GitHub and others accept a bare
/// token as the user name, so keeping the user could keep the secret. The scheme, host, port and
/// path stay, so the message still says which remote failed. scp-like SSH addresses
/// (`git@host:path`) carry no secret and are left alone.
public enum CredentialRedaction {
    /// What replaces the userinfo.
    public static let mask = "***"

    /// `text` with the userinfo of every `scheme://userinfo@host…` in it replaced by `***`.
    public static func redactingURLCredentials(in text: String) -> String {
        guard text.contains("://") else { return text }
        var result = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            result += rest[..<separator.upperBound]
            let after = rest[separator.upperBound...]
            // The URL runs to the next space, quote or bracket that cannot be part of it.
            let urlEnd = after.firstIndex(where: endsURL) ?? after.endIndex
            if let at = after[..<urlEnd].firstIndex(of: "@"), isUserinfo(after[..<at]) {
                result += mask + "@"
                rest = after[after.index(after: at)...]
            } else {
                rest = after
            }
        }
        return result + rest
    }

    /// Whether `prefix` (from after `://` to the first `@`) is userinfo rather than a host and
    /// path with an `@` further on (`https://host/org/repo@v1`). An unencoded `/` in a password
    /// (`user:pa/ss@host`) still counts: the part before the `/` then has a `:` not followed by
    /// a port number, which no host has.
    private static func isUserinfo(_ prefix: Substring) -> Bool {
        guard let slash = prefix.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) else { return true }
        let authority = prefix[..<slash]
        guard let colon = authority.lastIndex(of: ":"), !authority.hasPrefix("[") else { return false }
        let port = authority[authority.index(after: colon)...]
        return port.isEmpty || !port.allSatisfy(\.isASCII) || !port.allSatisfy(\.isNumber)
    }

    private static func endsURL(_ character: Character) -> Bool {
        character.isWhitespace || "\"'<>`".contains(character)
    }
}
