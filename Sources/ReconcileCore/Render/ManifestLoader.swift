public import YAML

/// Turns one manifest file into desired objects, checking each document against the rules a
/// reviewer relies on: a Kubernetes object of an allowed kind, with a name, in the right scope.
struct ManifestLoader {
    var file: SourceFile
    var bundle: RepoConfig.Bundle
    var instance: String
    var substitution: Substitution
    var limits: InputLimits = .default
    /// The operator's boundary: namespaces, Namespace labels and annotations, cluster scope.
    var scope: Scope = .unrestricted

    func load() throws -> [ManifestObject] {
        guard let original = String(validating: file.bytes, as: UTF8.self) else {
            // Not UTF-8: the parser's own check names the line and column of the first bad byte.
            _ = try YAMLParser.parse(file.bytes, file: file.path, limits: limits)
            throw Diagnostic(file: file.path, mark: nil, message: "file is not valid UTF-8")
        }
        let text = try substitution.apply(to: original, file: file.path)
        let documents = try YAMLParser.parse(text, file: file.path, limits: limits)
        let reader = FieldReader(file: file.path, source: text)
        var objects: [ManifestObject] = []
        var diagnostics: [Diagnostic] = []
        for document in documents {
            var roots = [document.root]
            if document.root["kind"]?.string == "List", document.root["apiVersion"]?.string == "v1" {
                roots = document.root["items"]?.sequence ?? []
            }
            for root in roots {
                do {
                    objects.append(try object(from: root, reader: reader))
                } catch let diagnostic as Diagnostic {
                    diagnostics.append(diagnostic)
                }
            }
        }
        if !diagnostics.isEmpty { throw RenderError(diagnostics: diagnostics) }
        return objects
    }

    private func object(from root: Node, reader: FieldReader) throws -> ManifestObject {
        guard root.isMapping else {
            throw reader.error(root.mark, "expected a Kubernetes object (a mapping with apiVersion, kind and metadata), got a \(root.typeName)")
        }
        guard let apiVersionNode = root["apiVersion"] else { throw reader.error(root.mark, "object has no apiVersion") }
        let apiVersion = try reader.string(apiVersionNode, field: "apiVersion")
        guard let kindNode = root["kind"] else { throw reader.error(root.mark, "object has no kind") }
        let kind = try reader.string(kindNode, field: "kind")
        if let refusal = Allowlist.refusal(apiVersion: apiVersion, kind: kind) {
            throw reader.error(root.mark(ofKey: "kind") ?? kindNode.mark, refusal)
        }
        let (group, _) = splitAPIVersion(apiVersion)
        guard let entry = Allowlist.entry(for: GroupKind(group: group, kind: kind)) else {
            throw reader.error(kindNode.mark, "kind \(kind) is not allowed")
        }
        guard let metadata = root["metadata"] else { throw reader.error(root.mark, "\(kind) has no metadata") }
        guard metadata.isMapping else { throw reader.error(metadata.mark, "metadata must be a mapping, got \(metadata.typeName)") }
        guard let nameNode = metadata["name"] else {
            throw reader.error(root.mark(ofKey: "metadata"), "\(kind) has no metadata.name")
        }
        let name = try reader.string(nameNode, field: "metadata.name")
        guard isDNSSubdomain(name) else {
            throw reader.error(nameNode.mark, "metadata.name \"\(name)\" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', at most 253 characters)")
        }
        try checkStringMap(metadata, "labels", reader: reader)
        try checkStringMap(metadata, "annotations", reader: reader)

        var namespace = ""
        if entry.namespaced {
            if let nsNode = metadata["namespace"] {
                namespace = try reader.dnsLabel(nsNode, field: "metadata.namespace")
                if let refusal = scope.namespaceRefusal(namespace) { throw reader.error(nsNode.mark, "metadata.namespace: \(refusal)") }
            } else if let bundleNamespace = bundle.namespace {
                namespace = bundleNamespace
                if let refusal = scope.namespaceRefusal(namespace) {
                    throw reader.error(nameNode.mark, "metadata.namespace (bundle \"\(bundle.name)\"'s default namespace): \(refusal)")
                }
            } else {
                throw reader.error(nameNode.mark, "\(kind) \(name) has no metadata.namespace and bundle \"\(bundle.name)\" sets no default namespace: add one of them")
            }
        } else if let nsNode = metadata["namespace"] {
            throw reader.error(nsNode.mark, "\(kind) is cluster-scoped: remove metadata.namespace")
        } else if entry.role != .namespace, let refusal = scope.clusterScopedRefusal(kind: kind) {
            throw reader.error(root.mark(ofKey: "kind") ?? kindNode.mark, refusal)
        }

        var body = root
        body["status"] = nil
        if entry.role == .namespace {
            guard isDNSLabel(name) else { throw reader.error(nameNode.mark, "namespace name \"\(name)\" is not a valid DNS label") }
            let allowedTop = ["apiVersion", "kind", "metadata"]
            if let extra = root.entries?.first(where: { !allowedTop.contains($0.key) && $0.key != "status" }) {
                throw reader.error(extra.keyMark, "Namespace manifests may only set metadata.labels and metadata.annotations, found \"\(extra.key)\"")
            }
            if let extra = metadata.entries?.first(where: { !["name", "labels", "annotations"].contains($0.key) }) {
                throw reader.error(extra.keyMark, "Namespace manifests may only set metadata.labels and metadata.annotations, found metadata.\(extra.key)")
            }
            if let refusal = scope.namespaceRefusal(name) { throw reader.error(nameNode.mark, "metadata.name: \(refusal)") }
            for label in metadata["labels"]?.entries ?? [] {
                if let refusal = scope.namespaceLabelRefusal(label.key) {
                    throw reader.error(label.keyMark ?? label.value.mark, "metadata.labels.\(label.key): \(refusal)")
                }
            }
            for annotation in metadata["annotations"]?.entries ?? [] {
                if let refusal = scope.namespaceAnnotationRefusal(annotation.key) {
                    throw reader.error(annotation.keyMark ?? annotation.value.mark, "metadata.annotations.\(annotation.key): \(refusal)")
                }
            }
        } else if entry.namespaced {
            body.set(Node(.string(namespace)), at: ["metadata", "namespace"])
        }
        Tracking.stamp(&body, instance: instance, bundle: bundle.name, sourcePath: file.path)
        // Kept for the whole plan (and between the controller's passes): no spare array room.
        body.compact()
        let key = ObjectKey(group: group, kind: kind, namespace: namespace, name: name)
        return ManifestObject(key: key, apiVersion: apiVersion, body: body, bundle: bundle.name,
                              source: SourceLocation(file: file.path, mark: root.mark))
    }

    /// Labels and annotations must be strings: `enabled: yes` is a YAML boolean the API refuses.
    private func checkStringMap(_ metadata: Node, _ field: String, reader: FieldReader) throws {
        guard let node = metadata[field] else { return }
        guard let entries = node.entries else {
            if node.isNull { return }
            throw reader.error(node.mark, "metadata.\(field) must be a mapping, got \(node.typeName)")
        }
        for entry in entries where entry.value.string == nil {
            let text = reader.writtenText(entry.value) ?? entry.value.typeName
            throw reader.error(entry.value.mark, "metadata.\(field).\(entry.key) must be a string, got \(entry.value.typeName) \(text): quote it (\"\(text)\")")
        }
    }
}

func isDNSSubdomain(_ text: String) -> Bool {
    guard !text.isEmpty, text.utf8.count <= 253 else { return false }
    return text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { isDNSLabel(bytes: $0) }
}
