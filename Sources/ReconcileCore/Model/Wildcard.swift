/// Shell-style wildcard matching (`*` any run of characters, `?` exactly one), used by bundle
/// path globs and by policy patterns.
enum Wildcard {
    /// Most patterns are plain names or a lone `*` (policy kinds, label values, path segments):
    /// those are answered without splitting either side into characters.
    static func matches(_ pattern: some StringProtocol, _ text: some StringProtocol) -> Bool {
        if pattern == "*" { return true }
        if !pattern.utf8.contains(where: { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }) { return pattern == text }
        return matches(Array(pattern), Array(text))
    }

    static func matches(_ pattern: [Character], _ text: [Character]) -> Bool {
        var pi = 0, si = 0, star = -1, mark = 0
        while si < text.count {
            if pi < pattern.count, pattern[pi] == "?" || pattern[pi] == text[si] {
                pi += 1; si += 1
            } else if pi < pattern.count, pattern[pi] == "*" {
                star = pi; mark = si; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; si = mark
            } else {
                return false
            }
        }
        while pi < pattern.count, pattern[pi] == "*" { pi += 1 }
        return pi == pattern.count
    }
}
