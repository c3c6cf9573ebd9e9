/// Duplicate-key detection for a mapping while it is being read, shared by the YAML composer and
/// the JSON reader. Most mappings in manifests and API objects have a handful of keys, so those
/// are scanned; a dictionary is built only once a mapping reaches 16 keys.
struct DuplicateKeys {
    private var lines: [String: Int]?

    /// Notes `key` at `line`; returns the line of an identical key among `earlier` (the keys
    /// recorded so far, in order, with their lines).
    mutating func record<Earlier: Sequence<(String, Int)>>(_ key: String, line: Int, earlier: Earlier) -> Int? {
        if lines == nil {
            var count = 0
            for (other, otherLine) in earlier {
                if other == key { return otherLine }
                count += 1
            }
            guard count >= 16 else { return nil }
            var index: [String: Int] = [:]
            for (other, otherLine) in earlier { index[other] = otherLine }
            lines = index
        }
        return lines!.updateValue(line, forKey: key)
    }
}
