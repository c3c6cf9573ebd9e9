public import YAML

extension RepoConfig {
    /// Parses `reconcile.yaml`. Unknown keys are errors (a typo must not silently change what is
    /// applied); every error names the file, line and field.
    public static func parse(_ bytes: [UInt8], file: String = RepoConfig.fileName) throws -> RepoConfig {
        let documents = try YAMLParser.parse(bytes, file: file)
        let source = String(decoding: bytes, as: UTF8.self)
        let reader = FieldReader(file: file, source: source)
        guard let root = documents.first?.root else { return RepoConfig.implicitEmpty(file: file) }
        if documents.count > 1 {
            throw reader.error(documents[1].mark, "\(file) must hold one YAML document, found \(documents.count)")
        }
        try reader.expectKeys(root, ["name", "values", "environments", "bundles", "namespaces", "restart", "prune", "drift", "force", "policies", "ignore"], in: "reconcile.yaml")

        var config = RepoConfig()
        config.file = file
        if let name = root["name"] {
            config.name = try reader.dnsLabel(name, field: "name")
            config.nameMark = name.mark
        }
        if let values = root["values"] { config.values = try reader.values(values, field: "values") }
        if let environments = root["environments"] {
            for entry in try reader.mapping(environments, field: "environments") {
                try reader.expectKeys(entry.value, ["values"], in: "environments.\(entry.key)")
                let values = try entry.value["values"].map { try reader.values($0, field: "environments.\(entry.key).values") } ?? [:]
                config.environments.append(Environment(name: entry.key, values: values))
            }
        }
        if let bundles = root["bundles"] {
            var seen: [String: Mark?] = [:]
            for (index, item) in try reader.sequence(bundles, field: "bundles").enumerated() {
                let field = "bundles[\(index)]"
                try reader.expectKeys(item, ["name", "path", "namespace", "labels", "needs"], in: field)
                guard let nameNode = item["name"] else { throw reader.error(item.mark, "\(field): missing required field \"name\"") }
                let name = try reader.dnsLabel(nameNode, field: "\(field).name")
                if let first = seen[name] {
                    throw reader.error(nameNode.mark, "duplicate bundle name \"\(name)\" (first defined at line \(first?.line ?? 0))")
                }
                seen[name] = nameNode.mark
                guard let pathNode = item["path"] else { throw reader.error(item.mark, "\(field) (\(name)): missing required field \"path\"") }
                let paths = try reader.stringOrList(pathNode, field: "\(field).path")
                let namespace = try item["namespace"].map { try reader.dnsLabel($0, field: "\(field).namespace") }
                let labels = try item["labels"].map { try reader.values($0, field: "\(field).labels") } ?? [:]
                let needs = try item["needs"].map { try reader.stringOrList($0, field: "\(field).needs") } ?? []
                config.bundles.append(Bundle(name: name, paths: paths, namespace: namespace, labels: labels, needs: needs, mark: nameNode.mark))
            }
        } else {
            config.bundles = RepoConfig.implicit.bundles
        }
        if let namespaces = root["namespaces"] {
            for entry in try reader.mapping(namespaces, field: "namespaces") {
                let injection = try reader.injection(entry.value, field: "namespaces.\(entry.key)")
                config.namespaces.append(NamespaceSetting(name: entry.key, injection: injection, mark: entry.keyMark ?? entry.value.mark))
            }
        }
        if let restart = root["restart"] {
            try reader.expectKeys(restart, ["enabled", "maxConcurrent", "timeout"], in: "restart")
            if let enabled = restart["enabled"] { config.restart.enabled = try reader.bool(enabled, field: "restart.enabled") }
            if let max = restart["maxConcurrent"] {
                let value = try reader.int(max, field: "restart.maxConcurrent")
                guard value >= 1 else { throw reader.error(max.mark, "restart.maxConcurrent must be at least 1, got \(value)") }
                config.restart.maxConcurrent = value
            }
            if let timeout = restart["timeout"] {
                let value = try reader.duration(timeout, field: "restart.timeout")
                // A rollout wait holds the controller's write turn (drift corrections wait for it).
                guard value <= RepoConfig.maxRestartTimeout else {
                    throw reader.error(timeout.mark, "restart.timeout must be at most 1h (the controller waits that long for one rollout at most), got \(DurationText.format(value))")
                }
                config.restart.timeout = value
            }
        }
        if let prune = root["prune"] { config.prune = try reader.bool(prune, field: "prune") }
        if let force = root["force"] { config.force = try reader.bool(force, field: "force") }
        if let drift = root["drift"] {
            let text = try reader.string(drift, field: "drift")
            guard let mode = DriftMode(rawValue: text) else {
                throw reader.error(drift.mark, "drift must be \"correct\" or \"report\", got \"\(text)\"")
            }
            config.drift = mode
        }
        if let policies = root["policies"] { config.policies = try reader.stringOrList(policies, field: "policies") }
        if let ignore = root["ignore"] { config.ignore = try reader.stringOrList(ignore, field: "ignore") }
        try config.validateNeeds(reader: reader)
        return config
    }

    private static func implicitEmpty(file: String) -> RepoConfig {
        var config = RepoConfig.implicit
        config.file = file
        return config
    }

    /// Unknown `needs` and cycles are errors; the cycle is named in order.
    private func validateNeeds(reader: FieldReader) throws {
        for bundle in bundles {
            for need in bundle.needs where self.bundle(named: need) == nil {
                throw reader.error(bundle.mark, "bundle \"\(bundle.name)\" needs unknown bundle \"\(need)\"")
            }
        }
        if let cycle = BundleGraph(bundles: bundles).cycle() {
            let first = bundle(named: cycle[0])
            throw reader.error(first?.mark, "bundles' needs form a cycle: \(cycle.joined(separator: " -> "))")
        }
    }
}
