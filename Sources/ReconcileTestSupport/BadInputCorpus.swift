import Foundation

/// Shared reading of the bad-input corpus (Tests/ReconcileCLITests/BadInput), used by the
/// offline corpus tests and by the live ones, so both give each case the same operator flags.
public enum BadInputCorpus {
    /// The operator flags each case needs to be refused, from `_arguments.txt` in `directory`
    /// (`<case> <flags...>` per line, `#` comments).
    public static func arguments(in directory: String) -> [String: [String]] {
        let text = (try? String(contentsOfFile: directory + "/_arguments.txt", encoding: .utf8)) ?? ""
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(separator: " ").map(String.init)
            if let name = words.first { result[name] = Array(words.dropFirst()) }
        }
        return result
    }
}
