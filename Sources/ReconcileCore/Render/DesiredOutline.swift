import Executors
/// What a live plan's LISTs depend on: the kinds listed in full, the namespaces whose Services
/// route hosts are checked against, and the namespaces whose workloads may be restarted.
///
/// `DesiredState.outline` is exact. `Renderer.outline(_:)` guesses it from the manifests' text
/// in a few milliseconds, so the LISTs can start while the repository is still being parsed; a
/// wrong guess costs requests, never correctness (the live state loader checks every prefetched
/// LIST against the exact outline before it uses it).
public struct DesiredOutline: Sendable, Hashable {
    public var instance: String
    public var kinds: Set<GroupKind>
    /// Namespaces of the desired namespaced objects.
    public var namespaces: Set<String>
    /// Namespaces whose sidecar injection reconcile manages.
    public var injectedNamespaces: Set<String>

    public init(instance: String, kinds: Set<GroupKind>, namespaces: Set<String>, injectedNamespaces: Set<String>) {
        self.instance = instance
        self.kinds = kinds
        self.namespaces = namespaces
        self.injectedNamespaces = injectedNamespaces
    }
}

extension DesiredState {
    public var outline: DesiredOutline {
        var kinds = Set<GroupKind>(), namespaces = Set<String>()
        // Objects come in runs of one kind and namespace (bundle and path order): each run is
        // inserted once instead of hashing every object's key.
        var previous: ObjectKey?
        for object in objects {
            let key = object.key
            if key.kind != previous?.kind || key.group != previous?.group { kinds.insert(key.groupKind) }
            if key.namespace != previous?.namespace, !key.namespace.isEmpty { namespaces.insert(key.namespace) }
            previous = key
        }
        return DesiredOutline(instance: instance, kinds: kinds, namespaces: namespaces,
                              injectedNamespaces: Set(namespaceInjection.keys))
    }
}

extension Renderer {
    /// A fast guess at the outline of `render(files)`: the top-level `apiVersion`/`kind` and the
    /// `metadata` `namespace`/`name` lines of each selected manifest, read as text without
    /// parsing YAML or substituting variables. Nil when reconcile.yaml itself does not load.
    public func outline(_ files: [SourceFile]) -> DesiredOutline? {
        (try? select(files)).map(outline)
    }

    /// The outline guess for files already selected (see `render(_ selection:)`).
    public func outline(_ selection: Selection) -> DesiredOutline {
        var outline = DesiredOutline(instance: selection.instance, kinds: [], namespaces: [],
                                     injectedNamespaces: Set(selector == nil ? selection.config.namespaces.map(\.name) : []))
        // Scanned on every core (10,000 files take ~20 ms on one), merged in order.
        let scanned = selection.manifests.concurrentMap { job in (job, ManifestOutlineScanner.scan(job.file.bytes)) }
        for (job, documents) in scanned {
            for document in documents {
                guard let apiVersion = document.apiVersion, let kind = document.kind else { continue }
                let group = splitAPIVersion(apiVersion).group
                outline.kinds.insert(GroupKind(group: group, kind: kind))
                if group.isEmpty && kind == "Namespace" {
                    if document.mentionsInjection, let name = document.name { outline.injectedNamespaces.insert(name) }
                } else if let namespace = document.namespace ?? job.bundle.namespace,
                          Allowlist.entry(for: GroupKind(group: group, kind: kind))?.namespaced ?? true {
                    outline.namespaces.insert(namespace)
                }
            }
        }
        return outline
    }
}

/// The line scan behind `Renderer.outline`: YAML documents' top-level `apiVersion:` and `kind:`,
/// and the first-level `name:`/`namespace:` under `metadata:`.
enum ManifestOutlineScanner {
    struct Document {
        var apiVersion: String?
        var kind: String?
        var name: String?
        var namespace: String?
        /// An injection label appears somewhere in it (used for Namespace manifests).
        var mentionsInjection = false
    }

    static func scan(_ bytes: [UInt8]) -> [Document] {
        var documents: [Document] = []
        var current = Document()
        var inMetadata = false
        var metadataIndent = -1
        func finish() {
            if current.apiVersion != nil || current.kind != nil { documents.append(current) }
            current = Document()
            inMetadata = false
            metadataIndent = -1
        }
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            guard let first = line.first else { continue }
            if first == UInt8(ascii: "-"), line.starts(with: "---".utf8) { finish(); continue }
            if first == UInt8(ascii: "#") { continue }
            if first != UInt8(ascii: " ") {
                inMetadata = false
                if let value = value(of: "apiVersion", in: line) { current.apiVersion = value }
                else if let value = value(of: "kind", in: line) { current.kind = value }
                else if line.starts(with: "metadata:".utf8) { inMetadata = true }
                continue
            }
            if current.kind == nil || current.kind == "Namespace", !current.mentionsInjection,
               contains(line, "istio-injection".utf8) || contains(line, "istio.io/rev".utf8) {
                current.mentionsInjection = true
            }
            guard inMetadata else { continue }
            let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
            if line.dropFirst(indent).first == UInt8(ascii: "#") || indent == line.count { continue }
            if metadataIndent < 0 { metadataIndent = indent }
            guard indent == metadataIndent else { continue }
            let key = line.dropFirst(indent)
            if let value = value(of: "namespace", in: key) { current.namespace = value }
            else if let value = value(of: "name", in: key) { current.name = value }
        }
        finish()
        return documents
    }

    /// `key: value` (quotes and a trailing comment dropped), or nil.
    private static func value(of key: String, in line: ArraySlice<UInt8>) -> String? {
        guard line.starts(with: key.utf8) else { return nil }
        var rest = line.dropFirst(key.utf8.count)
        guard rest.first == UInt8(ascii: ":") else { return nil }
        rest = rest.dropFirst()
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        // Trimmed and unquoted on bytes: one String is built, for the value only.
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = rest.first, isBlank(first) { rest = rest.dropFirst() }
        while let last = rest.last, isBlank(last) || last == UInt8(ascii: "\r") { rest = rest.dropLast() }
        if rest.count >= 2, let quote = rest.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'"), rest.last == quote {
            rest = rest.dropFirst().dropLast()
        }
        return rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self)
    }

    private static func contains(_ line: ArraySlice<UInt8>, _ needle: String.UTF8View) -> Bool {
        guard line.count >= needle.count else { return false }
        var index = line.startIndex
        guard let head = needle.first else { return true }
        while let found = line[index...].firstIndex(of: head) {
            if line[found...].starts(with: needle) { return true }
            index = found + 1
        }
        return false
    }
}
