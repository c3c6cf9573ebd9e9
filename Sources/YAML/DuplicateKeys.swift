/// Duplicate-key detection for a mapping while it is being read, shared by the YAML composer and
/// the JSON reader. Most mappings in manifests and API objects have a handful of keys, so those
/// are scanned; a dictionary is built only once a mapping reaches 16 keys.
package struct DuplicateKeys {
    package init() {}

    private var lines: [String: Int]?

    /// Notes `key` at `line`; returns the line of an identical key among `earlier`, the mapping's
    /// entries so far (0 when that key has no mark).
    package mutating func record(_ key: String, line: Int, earlier: [Node.Entry]) -> Int? {
        if lines == nil {
            for entry in earlier where entry.key == key { return entry.keyMark?.line ?? 0 }
            guard earlier.count >= 16 else { return nil }
            var index: [String: Int] = [:]
            for entry in earlier { index[entry.key] = entry.keyMark?.line ?? 0 }
            lines = index
        }
        return lines!.updateValue(line, forKey: key)
    }
}
