import Foundation
import ReconcileCore
import YAML

/// Builds source files from inline YAML, so each test shows its whole input.
func files(_ contents: [String: String]) -> [SourceFile] {
    contents.map { SourceFile(path: $0.key, bytes: Array($0.value.utf8)) }
}

func render(_ contents: [String: String], environment: String? = nil, selector: String? = nil, instance: String = "test",
            scope: Scope = .unrestricted) throws -> DesiredState {
    try Renderer(environment: environment, selector: selector.map { try LabelSelector.parse($0) }, defaultInstance: instance, scope: scope)
        .render(files(contents))
}

func snapshot(_ yaml: String) throws -> LiveState {
    try LiveState.snapshot(Array(yaml.utf8), file: "snapshot.yaml")
}

func node(_ yaml: String) throws -> Node {
    try YAMLParser.parse(yaml, file: "inline.yaml")[0].root
}

/// The first diagnostic of a failed render.
func renderError(_ contents: [String: String], environment: String? = nil) -> Diagnostic? {
    do {
        _ = try render(contents, environment: environment)
        return nil
    } catch let error as RenderError {
        return error.diagnostics.first
    } catch let error as Diagnostic {
        return error
    } catch {
        return nil
    }
}

/// The repository root (for examples/).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Reads a directory recursively into source files, as the CLI does for a plain folder.
func directoryFiles(_ path: String) throws -> [SourceFile] {
    let root = URL(fileURLWithPath: path)
    var result: [SourceFile] = []
    let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
    for case let url as URL in enumerator {
        let relative = String(url.path.dropFirst(root.path.count + 1))
        guard SourceFile.isCandidate(relative) else { continue }
        result.append(SourceFile(path: relative, bytes: [UInt8](try Data(contentsOf: url))))
    }
    return result
}

let namespaceYAML = """
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
"""

let virtualServiceYAML = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
  namespace: shop
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web, subset: v1}
"""
