/// A bundle `path:` entry: a directory (everything below it) or a glob with `*`, `?` and `**`.
struct PathPattern: Sendable {
    var pattern: String
    /// Worked out once: patterns are matched against every file of the repository.
    private let isGlob: Bool
    private let directoryPrefix: String
    private let segments: [Substring]

    init(_ raw: String) {
        var p = raw
        while p.hasPrefix("./") { p.removeFirst(2) }
        while p.hasSuffix("/") && p.count > 1 { p.removeLast() }
        pattern = p
        isGlob = p.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
        directoryPrefix = p + "/"
        segments = p.split(separator: "/", omittingEmptySubsequences: false)
    }

    func matches(_ path: String) -> Bool {
        if pattern == "." || pattern.isEmpty { return true }
        if !isGlob { return path == pattern || path.hasPrefix(directoryPrefix) }
        return PathPattern.glob(segments, Array(path.split(separator: "/", omittingEmptySubsequences: false)))
    }

    private static func glob(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            let rest = Array(pattern.dropFirst())
            for skip in 0...path.count where glob(rest, Array(path.dropFirst(skip))) { return true }
            return false
        }
        guard let first = path.first, Wildcard.matches(head, first) else { return false }
        return glob(Array(pattern.dropFirst()), Array(path.dropFirst()))
    }
}
