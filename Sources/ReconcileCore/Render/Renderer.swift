import Executors
public import YAML

/// Loads a config repository's files into the desired state: parses `reconcile.yaml`, picks the
/// environment, substitutes variables, parses every manifest of the selected bundles, enforces
/// the allowlist and identity rules, and stamps the tracking labels. Pure: files in, state out.
public struct Renderer: Sendable {
    public var environment: String?
    public var selector: LabelSelector?
    /// Used as the instance name when `reconcile.yaml` has no `name:` (the repo's base name).
    public var defaultInstance: String
    /// Limits on the repository's content: nesting, alias expansion, substitution output,
    /// policy expressions (file sizes are checked where files are read).
    public var limits: InputLimits = .default
    /// The operator's boundary (namespaces, Namespace labels, cluster scope, pinned instance).
    public var scope: Scope

    public init(environment: String? = nil, selector: LabelSelector? = nil, defaultInstance: String, scope: Scope = .unrestricted) {
        self.environment = environment
        self.selector = selector
        self.defaultInstance = defaultInstance
        self.scope = scope
    }

    public func render(_ files: [SourceFile]) throws -> DesiredState {
        try render(select(files))
    }

    /// Renders files already selected (`select`), so a caller that also wants the `outline`
    /// parses reconcile.yaml and matches bundle paths once.
    public func render(_ selection: Selection) throws -> DesiredState {
        let files = selection.files
        let config = selection.config, instance = selection.instance
        let substitution = try makeSubstitution(config)
        var diagnostics: [Diagnostic] = []
        var objects: [ManifestObject] = []
        var index: [ObjectKey: Int] = [:]  // also the DesiredState's index
        objects.reserveCapacity(selection.manifests.count)  // one object per file is the common layout
        index.reserveCapacity(selection.manifests.count)
        let policies = loadPolicies(files, config: config, patterns: selection.policyPatterns, diagnostics: &diagnostics)
        let jobs = selection.manifests
        // Files parse independently, so on every core; results are merged in bundle and path order,
        // which keeps duplicates and diagnostics deterministic.
        let loads = jobs.concurrentMap { job in
            Result {
                try ManifestLoader(file: job.file, bundle: job.bundle, instance: instance, substitution: substitution, limits: limits, scope: scope).load()
            }
        }
        for (job, load) in zip(jobs, loads) {
            do {
                for object in try load.get() {
                    if let first = index[object.key] {
                        diagnostics.append(Diagnostic(
                            file: object.source.file, mark: object.source.mark,
                            message: "\(object.key.shortDescription) is defined twice: first at \(objects[first].source), again here",
                            source: String(decoding: job.file.bytes, as: UTF8.self)))
                        continue
                    }
                    index[object.key] = objects.count
                    objects.append(object)
                }
            } catch let error as RenderError {
                diagnostics += error.diagnostics
            } catch let diagnostic as Diagnostic {
                diagnostics.append(diagnostic)
            }
        }
        let configSource = files.first { $0.path == RepoConfig.fileName }.map { String(decoding: $0.bytes, as: UTF8.self) }
        let injection = try namespaceInjection(config: config, configSource: configSource, objects: &objects,
                                               includeShorthand: selector == nil, diagnostics: &diagnostics)
        if !diagnostics.isEmpty { throw RenderError(diagnostics: diagnostics) }
        var state = DesiredState(config: config, instance: instance, environment: substitution.environmentName, objects: objects,
                                 index: index, namespaceInjection: injection, bundleOrder: selection.bundles, selector: selector)
        state.policies = policies
        state.unselectedFiles = selection.unselectedFiles
        return state
    }

    /// The repository's settings and the manifest files of the selected bundles, each with its
    /// bundle, in apply order.
    public struct Selection: Sendable {
        let files: [SourceFile]
        var config: RepoConfig
        var instance: String
        /// The selected bundles in apply order (after `needs`).
        var bundles: [String]
        var policyPatterns: [PathPattern]
        var manifests: [(bundle: RepoConfig.Bundle, file: SourceFile)]
        /// Candidate files no bundle (selected or not) matches, and `ignore:` does not name.
        public var unselectedFiles: [String] = []
    }

    public func select(_ files: [SourceFile]) throws -> Selection {
        let configFile = files.first { $0.path == RepoConfig.fileName }
        let config = try configFile.map { try RepoConfig.parse($0.bytes, file: $0.path) } ?? .implicit
        if let pinned = scope.instance, let name = config.name, name != pinned {
            let source = configFile.map { String(decoding: $0.bytes, as: UTF8.self) }
            throw Diagnostic(file: config.file ?? RepoConfig.fileName, mark: config.nameMark,
                             message: "name: repository names itself \"\(name)\" but this reconcile is pinned to instance \"\(pinned)\" (--instance): a repository may not take over another instance's objects; set name: \(pinned) or remove it",
                             source: source)
        }
        let instance = config.name ?? scope.instance ?? Renderer.instanceName(fromRepoName: defaultInstance)
        let selected = BundleGraph(bundles: config.bundles).order().filter { name in
            guard let selector else { return true }
            return selector.matches(config.bundle(named: name)?.labels ?? [:])
        }
        // Policy files (the `policies:` setting) are never manifests, even inside a bundle path.
        let policyPatterns = config.policies.map(PathPattern.init)
        let manifestFiles = files.filter { file in
            SourceFile.isCandidate(file.path) && file.path != RepoConfig.fileName && !policyPatterns.contains { $0.matches(file.path) }
        }.sorted { $0.path < $1.path }
        var manifests: [(bundle: RepoConfig.Bundle, file: SourceFile)] = []
        for bundleName in selected {
            guard let bundle = config.bundle(named: bundleName) else { continue }
            let patterns = bundle.paths.map(PathPattern.init)
            for file in manifestFiles where patterns.contains(where: { $0.matches(file.path) }) { manifests.append((bundle, file)) }
        }
        // Files no bundle selects (selected by --selector or not) are ignored: say so, naming them.
        let allPatterns = config.bundles.flatMap(\.paths).map(PathPattern.init)
        let ignorePatterns = config.ignore.map(PathPattern.init)
        let unselected = manifestFiles.filter { file in
            !allPatterns.contains { $0.matches(file.path) } && !ignorePatterns.contains { $0.matches(file.path) }
        }.map(\.path)
        var selection = Selection(files: files, config: config, instance: instance, bundles: selected, policyPatterns: policyPatterns, manifests: manifests)
        selection.unselectedFiles = unselected
        return selection
    }

    /// Parses the guardrail policies the `policies:` setting names (files or directories); a
    /// setting that matches no file is an error, as is a policy that does not parse.
    private func loadPolicies(_ files: [SourceFile], config: RepoConfig, patterns: [PathPattern], diagnostics: inout [Diagnostic]) -> [Policy] {
        var policies: [Policy] = []
        for (setting, pattern) in zip(config.policies, patterns) {
            let matched = files.filter { SourceFile.isCandidate($0.path) && pattern.matches($0.path) }.sorted { $0.path < $1.path }
            if matched.isEmpty {
                diagnostics.append(Diagnostic(file: config.file ?? RepoConfig.fileName, mark: nil,
                                              message: "policies: \"\(setting)\" matches no .yaml file in the repository"))
            }
            for file in matched where !policies.contains(where: { $0.source.file == file.path }) {
                do {
                    policies += try Policy.parse(file.bytes, file: file.path, limits: limits)
                } catch let diagnostic as Diagnostic {
                    diagnostics.append(diagnostic)
                } catch {
                    diagnostics.append(Diagnostic(file: file.path, mark: nil, message: "\(error)"))
                }
            }
        }
        return policies
    }

    private func makeSubstitution(_ config: RepoConfig) throws -> Substitution {
        var values = config.values
        var name = environment
        if name == nil, config.environment(named: "default") != nil { name = "default" }
        if let name {
            guard let environment = config.environment(named: name) else {
                let known = config.environments.map(\.name)
                throw Diagnostic(file: config.file ?? RepoConfig.fileName, mark: nil,
                                 message: "unknown environment \"\(name)\"; \(known.isEmpty ? "reconcile.yaml defines no environments" : "defined: \(known.joined(separator: ", "))")")
            }
            values.merge(environment.values) { _, new in new }
        }
        return Substitution(values: values, environmentName: name, maxOutputBytes: limits.maxSubstitutedBytes)
    }

    /// Merges the `namespaces:` shorthand with Namespace manifests' injection labels.
    private func namespaceInjection(config: RepoConfig, configSource: String?, objects: inout [ManifestObject], includeShorthand: Bool,
                                    diagnostics: inout [Diagnostic]) throws -> [String: DesiredInjection] {
        var result: [String: DesiredInjection] = [:]
        for object in objects where object.key.kind == "Namespace" && object.key.group.isEmpty {
            if let injection = NamespaceInjection(labels: object.labels) {
                result[object.key.name] = DesiredInjection(injection: injection, source: object.source, fromManifest: true)
            }
        }
        let configFile = config.file ?? RepoConfig.fileName
        for setting in config.namespaces {
            if let refusal = scope.namespaceRefusal(setting.name) {
                diagnostics.append(Diagnostic(file: configFile, mark: setting.mark, message: "namespaces.\(setting.name): \(refusal)", source: configSource))
            }
        }
        guard includeShorthand else { return result }
        for setting in config.namespaces {
            let source = SourceLocation(file: configFile, mark: setting.mark)
            if let existing = result[setting.name] {
                if existing.injection != setting.injection {
                    diagnostics.append(Diagnostic(file: configFile, mark: setting.mark,
                        message: "namespace \(setting.name): namespaces: asks for \(setting.injection) but its manifest at \(existing.source) sets \(existing.injection)",
                        source: configSource))
                }
                continue
            }
            if let index = objects.firstIndex(where: { $0.key.kind == "Namespace" && $0.key.group.isEmpty && $0.key.name == setting.name }) {
                for (label, value) in setting.injection.labels {
                    objects[index].body.set(Node(.string(value)), at: ["metadata", "labels", label])
                }
                result[setting.name] = DesiredInjection(injection: setting.injection, source: source, fromManifest: true)
            } else {
                result[setting.name] = DesiredInjection(injection: setting.injection, source: source, fromManifest: false)
            }
        }
        return result
    }

    /// A repository's base name made into a label value (`git@host:org/Mesh-Config.git` → `mesh-config`).
    public static func instanceName(fromRepoName raw: String) -> String {
        var name = raw
        while name.hasSuffix("/") { name.removeLast() }
        if let slash = name.lastIndex(where: { $0 == "/" || $0 == ":" }) { name = String(name[name.index(after: slash)...]) }
        if name.hasSuffix(".git") { name.removeLast(4) }
        let cleaned = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }).split(separator: "-").joined(separator: "-")
        return cleaned.isEmpty ? "default" : String(cleaned.prefix(63))
    }
}

/// One or more input errors; rendering reports all of them, not just the first.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
