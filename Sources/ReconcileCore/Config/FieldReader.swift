public import YAML

/// Reads typed fields out of a parsed YAML node and turns every mismatch into a `Diagnostic`
/// naming the file, line and field, so config errors read like compiler errors.
struct FieldReader {
    var file: String
    var source: String?
    /// Limits on what the file's fields may hold (policy expression depth).
    var limits: InputLimits = .default

    func error(_ mark: Mark?, _ message: String) -> Diagnostic {
        Diagnostic(file: file, mark: mark, message: message, source: source)
    }

    func expectKeys(_ node: Node, _ allowed: [String], in field: String) throws {
        guard let entries = node.entries else {
            throw error(node.mark, "\(field) must be a mapping, got \(node.typeName)")
        }
        for entry in entries where !allowed.contains(entry.key) {
            let hint = allowed.first(where: { editDistance($0, entry.key) <= 2 }).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw error(entry.keyMark ?? entry.value.mark, "unknown field \"\(entry.key)\" in \(field)\(hint); known fields: \(allowed.joined(separator: ", "))")
        }
    }

    func mapping(_ node: Node, field: String) throws -> [Node.Entry] {
        if node.isNull { return [] }
        guard let entries = node.entries else { throw error(node.mark, "\(field) must be a mapping, got \(node.typeName)") }
        return entries
    }

    func sequence(_ node: Node, field: String) throws -> [Node] {
        if node.isNull { return [] }
        guard let items = node.sequence else { throw error(node.mark, "\(field) must be a list, got \(node.typeName)") }
        return items
    }

    func string(_ node: Node, field: String) throws -> String {
        guard let s = node.string else { throw error(node.mark, "\(field) must be a string, got \(node.typeName)") }
        return s
    }

    func bool(_ node: Node, field: String) throws -> Bool {
        guard let b = node.bool else {
            throw error(node.mark, "\(field) must be true or false, got \(node.typeName)\(writtenText(node).map { " \"\($0)\"" } ?? "")")
        }
        return b
    }

    /// The scalar as the user wrote it (`yes`, not the `true` it resolved to), read back from the
    /// source at the node's mark; nil for non-scalars or unknown positions.
    func writtenText(_ node: Node) -> String? {
        guard node.scalarText != nil, !node.isMapping, node.sequence == nil, let mark = node.mark, let source,
            let line = Diagnostic.line(mark.line, of: source) else { return node.scalarText }
        let characters = Array(line)
        guard mark.column - 1 < characters.count else { return node.scalarText }
        var token = ""
        for character in characters[(mark.column - 1)...] {
            if character == "," || character == "}" || character == "]" || character == "#" { break }
            token.append(character)
        }
        let trimmed = token.trimmingWhitespace()
        return trimmed.isEmpty ? node.scalarText : trimmed
    }

    func int(_ node: Node, field: String) throws -> Int {
        guard let i = node.int else { throw error(node.mark, "\(field) must be an integer, got \(node.typeName)") }
        return i
    }

    func duration(_ node: Node, field: String) throws -> Double {
        guard let text = node.string ?? node.int.map(String.init), let seconds = DurationText.seconds(node.int != nil ? "\(text)s" : text) else {
            throw error(node.mark, "\(field) must be a duration such as 90s, 10m or 1h30m, got \(node.scalarText.map { "\"\($0)\"" } ?? node.typeName)")
        }
        return seconds
    }

    /// A string map of scalar values (numbers and booleans become their text).
    func values(_ node: Node, field: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in try mapping(node, field: field) {
            guard let text = entry.value.scalarText, !entry.value.isMapping else {
                throw error(entry.value.mark, "\(field).\(entry.key) must be a scalar value, got \(entry.value.typeName)")
            }
            result[entry.key] = entry.value.isNull ? "" : text
        }
        return result
    }

    func stringOrList(_ node: Node, field: String) throws -> [String] {
        if let s = node.string { return [s] }
        return try sequence(node, field: field).enumerated().map { try string($1, field: "\(field)[\($0)]") }
    }

    /// A DNS-1123 label, as Kubernetes requires for namespace names and label-ish identifiers.
    func dnsLabel(_ node: Node, field: String) throws -> String {
        let text = try string(node, field: field)
        guard isDNSLabel(text) else {
            throw error(node.mark, "\(field) \"\(text)\" is not a valid name: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters")
        }
        return text
    }

    func injection(_ node: Node, field: String) throws -> NamespaceInjection {
        if let text = node.string {
            switch text {
            case "enabled": return .enabled
            case "disabled": return .disabled
            default: break
            }
        }
        if node.bool == true { return .enabled }
        if node.bool == false { return .disabled }
        if node.isMapping {
            try expectKeys(node, ["revision"], in: field)
            if let revision = node["revision"] { return .revision(try string(revision, field: "\(field).revision")) }
        }
        throw error(node.mark, "\(field) must be enabled, disabled or {revision: <name>}, got \(node.scalarText.map { "\"\($0)\"" } ?? node.typeName)")
    }
}

func isDNSLabel(_ text: String) -> Bool { isDNSLabel(bytes: text.utf8) }

/// RFC 1123 label on bytes: lowercase letters, digits and '-', at most 63, alphanumeric at both ends.
func isDNSLabel<Bytes: Collection<UInt8>>(bytes: Bytes) -> Bool {
    func alphanumeric(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
    guard let first = bytes.first, alphanumeric(first), bytes.count <= 63 else { return false }
    var last = first
    for byte in bytes {
        guard alphanumeric(byte) || byte == 45 else { return false }
        last = byte
    }
    return alphanumeric(last)
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
