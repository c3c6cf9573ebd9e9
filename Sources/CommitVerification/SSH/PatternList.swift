/// OpenSSH pattern lists (ssh_config(5) PATTERNS): comma-separated patterns with `*` and `?`,
/// a leading `!` negates. A list matches when some pattern matches and no negated one does.
enum PatternList {
    static func matches(_ text: String, list: String) -> Bool {
        var matched = false
        for pattern in list.split(separator: ",") {
            if pattern.hasPrefix("!") {
                if matches(Array(text.lowercased().utf8)[...], Array(pattern.dropFirst().lowercased().utf8)[...]) {
                    return false
                }
            } else if matches(Array(text.lowercased().utf8)[...], Array(pattern.lowercased().utf8)[...]) {
                matched = true
            }
        }
        return matched
    }

    /// Glob match of one pattern; iterative with backtracking to the last `*`, so linear-ish and
    /// never recursive on hostile input.
    private static func matches(_ text: ArraySlice<UInt8>, _ pattern: ArraySlice<UInt8>) -> Bool {
        var t = text.startIndex
        var p = pattern.startIndex
        var star: (pattern: Int, text: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                t += 1
                p += 1
            } else if p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") {
                star = (p, t)
                p += 1
            } else if let last = star {
                p = last.pattern + 1
                t = last.text + 1
                star = (last.pattern, last.text + 1)
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }
}
