import Foundation
import ReconcileTestSupport
import Testing
import YAML

/// Reads the Helm chart (`charts/reconcile`) and the `Dockerfile` from the repository, found from
/// this file's path, so the tests check the files that ship rather than copies of them.
enum ChartFiles {
    static let repositoryRoot = HelmChart.repositoryRoot
    static let chartDirectory = HelmChart.directory

    static func text(_ relativePath: String, in directory: URL = chartDirectory) throws -> String {
        try HelmChart.text(relativePath, in: directory)
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

    /// `HelmChart.templateSkeleton` (shared with the controller tests, which run under the chart's RBAC).
    static func templateSkeleton(_ text: String, actions: [String: String] = [:]) -> String {
        HelmChart.templateSkeleton(text, actions: actions)
    }
}

// MARK: - Node helpers

extension Node {
    /// The strings of a sequence of scalars (`["get", "list"]`); empty for anything else.
    var strings: [String] { (sequence ?? []).compactMap(\.string) }
}
