import Foundation

/// The repository's Helm chart (`charts/reconcile`) read as tests need it, without Helm: the chart
/// tests check its templates, the controller tests run under its RBAC, and the admission-policy
/// check evaluates its CEL. Found from this file's path, so tests read the files that ship.
public enum HelmChart {
    /// The repository root: three levels up from `Sources/ReconcileTestSupport/HelmChart.swift`,
    /// after resolving symlinks (a development package may link this directory in from elsewhere).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let directory = repositoryRoot.appendingPathComponent("charts/reconcile")

    public static func text(_ relativePath: String, in base: URL = directory) throws -> String {
        try String(contentsOf: base.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Helm templates are not YAML as they stand. This drops every line that is only a template
    /// action (`{{- if … }}`, `{{- end }}`, `{{- include … | nindent 4 }}`) and replaces each
    /// remaining inline action with its entry in `actions` — keyed by the action's text between
    /// the braces, trimmed (`include "reconcile.fullname" .`) — or else with the plain scalar
    /// `TEMPLATE`. The templates are written so that the result is valid YAML with the same
    /// structure; `actions` renders the few values a test needs (names, CEL lists) as Helm would.
    public static func templateSkeleton(_ text: String, actions: [String: String] = [:]) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") { continue }
            lines.append(replacingActions(in: String(line), actions: actions))
        }
        return lines.joined(separator: "\n")
    }

    private static func replacingActions(in line: String, actions: [String: String]) -> String {
        var result = ""
        var rest = Substring(line)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { return result + rest[open.lowerBound...] }
            let action = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: CharacterSet(charactersIn: " -"))
            result += actions[action] ?? "TEMPLATE"
            rest = rest[close.upperBound...]
        }
        return result + rest
    }
}
