import Foundation
import Testing
import YAML

/// Reads the Helm chart (`charts/reconcile`) and the `Dockerfile` from the repository, found from
/// this file's path, so the tests check the files that ship rather than copies of them.
enum ChartFiles {
    /// The repository root: three levels up from `Tests/ChartTests/ChartFiles.swift`, after
    /// resolving symlinks (a development package may link this directory in from elsewhere).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let chartDirectory = repositoryRoot.appendingPathComponent("charts/reconcile")

    static func text(_ relativePath: String, in directory: URL = chartDirectory) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Parses a plain YAML file of the chart (Chart.yaml, values.yaml): exactly one document.
    static func yaml(_ relativePath: String) throws -> Node {
        let documents = try YAMLParser.parse(try text(relativePath), file: relativePath)
        try #require(documents.count == 1, "\(relativePath): expected one YAML document, found \(documents.count)")
        return documents[0].root
    }

    static func json(_ relativePath: String) throws -> Node {
        try Node(json: Array(try text(relativePath).utf8), file: relativePath)
    }

    /// The names of `templates/*.yaml`, sorted.
    static func templateNames() throws -> [String] {
        let directory = chartDirectory.appendingPathComponent("templates")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") }
            .sorted()
    }

    /// The documents of a template, read as YAML after `templateSkeleton`. Every branch of every
    /// `if` is kept, so for RBAC the result is the most a rendering can grant.
    static func template(_ name: String) throws -> [Node] {
        let path = "templates/\(name)"
        return try YAMLParser.parse(templateSkeleton(try text(path)), file: path).map(\.root)
    }

    /// The one document of `kind` in template `name`.
    static func template(_ name: String, kind: String) throws -> Node {
        let documents = try template(name).filter { $0["kind"]?.string == kind }
        try #require(documents.count == 1, "templates/\(name): expected one \(kind), found \(documents.count)")
        return documents[0]
    }

    /// Helm templates are not YAML as they stand. This drops every line that is only a template
    /// action (`{{- if … }}`, `{{- end }}`, `{{- include … | nindent 4 }}`) and replaces each
    /// remaining inline action (`name: {{ include "x" . }}`) with the plain scalar `TEMPLATE`.
    /// The templates are written so that the result is valid YAML with the same structure.
    static func templateSkeleton(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") { continue }
            lines.append(replacingActions(in: String(line)))
        }
        return lines.joined(separator: "\n")
    }

    private static func replacingActions(in line: String) -> String {
        var result = ""
        var rest = Substring(line)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { return result + rest[open.lowerBound...] }
            result += "TEMPLATE"
            rest = rest[close.upperBound...]
        }
        return result + rest
    }
}

// MARK: - Node helpers

extension Node {
    /// The strings of a sequence of scalars (`["get", "list"]`); empty for anything else.
    var strings: [String] { (sequence ?? []).compactMap(\.string) }
}
