import Foundation
import ReconcileCore
import ReconcileFindings
import YAML

/// Source files from inline YAML, so each test shows its whole input.
func sourceFiles(_ contents: [String: String]) -> [SourceFile] {
    contents.map { SourceFile(path: $0.key, bytes: Array($0.value.utf8)) }.sorted { $0.path < $1.path }
}

func renderState(_ contents: [String: String], instance: String = "test") throws -> DesiredState {
    try Renderer(defaultInstance: instance).render(sourceFiles(contents))
}

/// Findings of a plan against an inline snapshot, or the offline findings without one.
func findings(_ contents: [String: String], live: String? = nil, scope: Scope = .unrestricted) throws -> [Finding] {
    let desired = try Renderer(defaultInstance: "test", scope: scope).render(sourceFiles(contents))
    guard let live else { return Analyzers.offline(desired) }
    let state = try LiveState.snapshot(Array(live.utf8), file: "snapshot.yaml")
    return Planner(desired: desired, live: state).planWithFindings().findings
}

/// The findings with one code.
func findings(_ code: String, _ contents: [String: String], live: String? = nil, scope: Scope = .unrestricted) throws -> [Finding] {
    try findings(contents, live: live, scope: scope).filter { $0.code == code }
}

/// The repository root (for examples/ and policies/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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
    return result.sorted { $0.path < $1.path }
}

/// `reconcile.yaml` with one bundle of everything in namespace `shop`, injected.
let shopConfig = """
bundles:
  - name: mesh
    path: mesh
    namespace: shop
namespaces:
  shop: enabled
"""

/// A live namespace `shop` (injected) with Services web and api.
let shopLive = """
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: shop, labels: {istio-injection: enabled}}
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec: {selector: {app: web}}
  - apiVersion: v1
    kind: Service
    metadata: {name: api, namespace: shop}
    spec: {selector: {app: api}}
"""

let webDestinationRule = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web
  subsets:
    - {name: v1, labels: {version: v1}}
    - {name: v2, labels: {version: v2}}
"""

let ingressGateway = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: [shop.example.com]
      tls: {mode: SIMPLE, credentialName: shop-cert}
"""

/// One bundle in namespace `shop`, no injection settings.
let plainConfig = "bundles: [{name: mesh, path: mesh, namespace: shop}]"
