/// Shell-style wildcard matching (`*` any run of characters, `?` exactly one), used by bundle
/// path globs and by policy patterns.
enum Wildcard {
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
