import FuzzSupport
import ReconcileCore
import ReconcileFindings
import YAML

/// The repository manifest path: YAML bytes → `Node` documents → a one-file config repository
/// rendered through `Renderer` (select, outline, render) and the offline analyzers; the same bytes
/// as `reconcile.yaml` (the repository's settings) and as a live snapshot. Every document that
/// parses is also written back out as YAML and as JSON, and the JSON read again.
@main enum FuzzYAML {
    static func main() { FuzzMain.run(test) }

    static func test(_ bytes: [UInt8]) {
        if let documents = try? YAMLParser.parse(bytes, file: "fuzz.yaml") {
            for document in documents {
                let root = document.root
                _ = YAMLEmitter.emit(root)
                let json = root.jsonBytes()
                _ = try? Node(json: json, file: "fuzz.json")
            }
        }
        let renderer = Renderer(defaultInstance: "fuzz")
        // As a manifest of a repository without reconcile.yaml (every .yaml file is a manifest).
        let manifest = [SourceFile(path: "manifests/fuzz.yaml", bytes: bytes)]
        if let selection = try? renderer.select(manifest) {
            _ = renderer.outline(selection)
            if let desired = try? renderer.render(selection) {
                _ = Analyzers.run(AnalysisInput.offline(desired))
            }
        }
        // As the repository's settings, next to one small manifest.
        let config = [SourceFile(path: "reconcile.yaml", bytes: bytes), SourceFile(path: "manifests/ns.yaml", bytes: namespace)]
        if let selection = try? renderer.select(config) {
            _ = renderer.outline(selection)
            _ = try? renderer.render(selection)
        }
        _ = try? LiveState.snapshot(bytes, file: "snapshot.yaml")
    }

    static let namespace = Array("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fuzz\n".utf8)
}
