import Testing
@testable import YAML

/// The root of the only document in `text`.
func parseOne(_ text: String, file: String = "test.yaml") throws -> Node {
    let documents = try YAMLParser.parse(text, file: file)
    try #require(documents.count == 1, "expected one document, got \(documents.count)")
    return documents[0].root
}

/// The value of `key: <scalar>` parsed from YAML.
func scalar(_ text: String) throws -> Node.Value {
    let root = try parseOne("key: \(text)\n")
    return try #require(root["key"]).value
}

/// The diagnostic thrown while parsing `text`, or a test failure when it parses.
func parseError(_ text: String, file: String = "test.yaml") -> Diagnostic? {
    do {
        let documents = try YAMLParser.parse(text, file: file)
        Issue.record("expected an error, parsed \(documents.count) document(s)")
        return nil
    } catch let diagnostic as Diagnostic {
        return diagnostic
    } catch {
        Issue.record("expected a Diagnostic, got \(error)")
        return nil
    }
}

/// Value equality plus a type check (Node's `==` treats 1 and 1.0 as equal).
func sameKind(_ a: Node.Value, _ b: Node.Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.float(let x), .float(let y)): return x == y || (x.isNaN && y.isNaN)
    case (.string(let x), .string(let y)): return x == y
    default: return false
    }
}
