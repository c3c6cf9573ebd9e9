import Foundation
import KubeTestServer
import ReconcileCore
import YAML

/// Puts the cluster in the state `reconcile apply` would have left it in, without 10,000
/// server-side applies: the repository is rendered by reconcile's own renderer (tracking labels
/// and source annotation stamped), and each object is stored with a `managedFields` entry for
/// manager `reconcile`, operation `Apply`, owning exactly the fields it applied.
enum Seeder {
    static func seedNamespacesAndServices(_ workload: Workload, into server: TestAPIServer) throws {
        for namespace in workload.namespaces {
            _ = try server.seed(Node.object(["apiVersion": "v1", "kind": "Namespace",
                                             "metadata": Node.object(["name": .string(namespace), "labels": Node.object(["istio-injection": "enabled"])])]))
        }
        for service in workload.services {
            _ = try server.seed(try Workload.service(namespace: service.namespace, name: service.name))
        }
    }

    /// Renders the repository at `root` and seeds every desired object as applied; returns the count.
    static func seedApplied(repository root: String, into server: TestAPIServer) throws -> Int {
        let desired = try render(repository: root)
        let time = ISO8601DateFormatter().string(from: Date())
        for object in desired.objects {
            var body = object.body.withoutMarks
            let entry = Node.object([
                "apiVersion": .string(object.apiVersion),
                "fieldsType": "FieldsV1",
                "fieldsV1": fieldsV1(of: body),
                "manager": .string(Tracking.fieldManager(instance: desired.instance)),
                "operation": "Apply",
                "time": .string(time),
            ])
            body.set(Node.sequence([entry]), at: ["metadata", "managedFields"])
            _ = try server.seed(body)
        }
        return desired.objects.count
    }

    static func render(repository root: String) throws -> DesiredState {
        var files: [SourceFile] = []
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            guard SourceFile.isCandidate(relative), let data = FileManager.default.contents(atPath: root + "/" + relative) else { continue }
            files.append(SourceFile(path: relative, bytes: [UInt8](data)))
        }
        return try Renderer(defaultInstance: "bench").render(files)
    }

    /// The FieldsV1 set of an applied object: every field it sets (lists atomic, as the
    /// Istio CRDs and NetworkPolicy's lists are), identity fields excluded.
    static func fieldsV1(of body: Node) -> Node {
        var root: [Node.Entry] = []
        for entry in body.entries ?? [] {
            switch entry.key {
            case "apiVersion", "kind", "status": continue
            case "metadata":
                let fields = (entry.value.entries ?? []).filter { !["name", "namespace", "managedFields"].contains($0.key) }
                if fields.isEmpty { continue }
                root.append(Node.Entry(key: "f:metadata", value: fieldSet(.mapping(fields))))
            default:
                root.append(Node.Entry(key: "f:" + entry.key, value: fieldSet(entry.value)))
            }
        }
        return .mapping(root)
    }

    private static func fieldSet(_ value: Node) -> Node {
        guard let entries = value.entries, !entries.isEmpty else { return Node.mapping([]) }
        return .mapping([Node.Entry(key: ".", value: Node.mapping([]))] + entries.map { Node.Entry(key: "f:" + $0.key, value: fieldSet($0.value)) })
    }
}
