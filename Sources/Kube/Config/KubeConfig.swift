import Executors
import Foundation
import HTTP
import YAML

/// A kubeconfig, loaded and merged the way kubectl does, so `reconcile plan` talks to the same
/// cluster as the user's `kubectl` with the same context. Keeps, for every cluster, user and
/// context, the file that defined it: relative paths resolve against that file's folder and
/// errors name it.
public struct KubeConfig: Sendable {
    /// One named `clusters[]` / `users[]` / `contexts[]` entry and the file it came from.
    struct Entry: Sendable {
        var name: String
        var body: Node
        var file: String
    }

    /// The files merged, in precedence order.
    public private(set) var files: [String]
    var clusters: [String: Entry] = [:]
    var users: [String: Entry] = [:]
    var contexts: [String: Entry] = [:]
    public var currentContext: String?
    /// Context names in the order they first appear.
    public var contextNames: [String] = []

    init(files: [String]) {
        self.files = files
    }

    /// Loads like kubectl: explicit path (--kubeconfig) wins; else $KUBECONFIG (':'-separated,
    /// merged: first file to set a map key wins, current-context from the first that sets it);
    /// else ~/.kube/config.
    public static func load(path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KubeConfig {
        if let path, !path.isEmpty {
            return try parse(file: path)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            let paths = list.split(separator: ":", omittingEmptySubsequences: true).map(String.init).filter { seen.insert($0).inserted }
            // Like kubectl, files in $KUBECONFIG that do not exist are skipped.
            let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
            guard !existing.isEmpty else {
                throw KubeConfigError(file: list, message: "none of the files in $KUBECONFIG exists")
            }
            return merge(try existing.map { try parse(file: $0) })
        }
        guard let home = environment["HOME"], !home.isEmpty else {
            throw KubeConfigError(file: "~/.kube/config", message: "no kubeconfig: $KUBECONFIG and $HOME are not set (pass --kubeconfig)")
        }
        let file = (home as NSString).appendingPathComponent(".kube/config")
        guard FileManager.default.fileExists(atPath: file) else {
            throw KubeConfigError(file: file, message: "no such file (set $KUBECONFIG or pass --kubeconfig)")
        }
        return try parse(file: file)
    }

    /// Reads and parses one kubeconfig file.
    public static func parse(file: String) throws -> KubeConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw KubeConfigError(file: file, message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: file)
    }

    /// Parses kubeconfig YAML; `file` names it in errors and anchors relative paths.
    public static func parse(_ text: String, file: String) throws -> KubeConfig {
        let documents: [YAMLDocument]
        do {
            documents = try YAMLParser.parse(text, file: file)
        } catch {
            throw KubeConfigError(file: file, message: "not valid YAML: \(error)")
        }
        var config = KubeConfig(files: [file])
        guard let root = documents.first?.root, !root.isNull else { return config }
        guard root.isMapping else { throw KubeConfigError(file: file, message: "expected a mapping at the top, found a \(root.typeName)") }
        if let kind = root["kind"]?.string, kind != "Config" {
            throw KubeConfigError(file: file, message: "kind is \(kind), expected Config")
        }
        func entries(_ key: String, _ inner: String) throws -> [Entry] {
            guard let list = root[key], !list.isNull else { return [] }
            guard let items = list.sequence else {
                throw KubeConfigError(file: file, message: "\(key) must be a list, found a \(list.typeName)")
            }
            return try items.enumerated().map { index, item in
                guard let name = item["name"]?.scalarText, !name.isEmpty else {
                    throw KubeConfigError(file: file, entry: "\(key)[\(index)]", message: "has no name")
                }
                let body = item[inner] ?? Node(.mapping([]))
                guard body.isMapping || body.isNull else {
                    throw KubeConfigError(file: file, entry: "\(inner) \"\(name)\"", message: "\(inner) must be a mapping, found a \(body.typeName)")
                }
                return Entry(name: name, body: body.isNull ? Node(.mapping([])) : body, file: file)
            }
        }
        for entry in try entries("clusters", "cluster") where config.clusters[entry.name] == nil { config.clusters[entry.name] = entry }
        for entry in try entries("users", "user") where config.users[entry.name] == nil { config.users[entry.name] = entry }
        for entry in try entries("contexts", "context") where config.contexts[entry.name] == nil {
            config.contexts[entry.name] = entry
            config.contextNames.append(entry.name)
        }
        if let current = root["current-context"]?.scalarText, !current.isEmpty, current != "null" {
            config.currentContext = current
        }
        return config
    }

    /// kubectl's merge: the first file to define a name wins; current-context comes from the
    /// first file that sets it.
    static func merge(_ configs: [KubeConfig]) -> KubeConfig {
        var merged = KubeConfig(files: configs.flatMap(\.files))
        for config in configs {
            for name in config.clusters.keys.sorted() where merged.clusters[name] == nil { merged.clusters[name] = config.clusters[name] }
            for name in config.users.keys.sorted() where merged.users[name] == nil { merged.users[name] = config.users[name] }
            for name in config.contextNames where merged.contexts[name] == nil {
                merged.contexts[name] = config.contexts[name]
                merged.contextNames.append(name)
            }
            if merged.currentContext == nil { merged.currentContext = config.currentContext }
        }
        return merged
    }

    private var fileList: String { files.joined(separator: ":") }

    /// Resolves a context (nil: current-context) into what a client needs; relative file paths
    /// resolve against the kubeconfig file that defined them.
    public func connection(context: String? = nil) throws -> ClusterConnection {
        guard let contextName = context ?? currentContext else {
            throw KubeConfigError(file: fileList, message: "no current-context is set (pass --context; contexts: \(contextNames.joined(separator: ", ")))")
        }
        guard let contextEntry = contexts[contextName] else {
            let known = contextNames.isEmpty ? "none defined" : contextNames.joined(separator: ", ")
            throw KubeConfigError(file: fileList, entry: "context \"\(contextName)\"", message: "not found (contexts: \(known))")
        }
        let ctx = EntryReader(entry: contextEntry, label: "context")
        guard let clusterName = try ctx.string("cluster"), !clusterName.isEmpty else {
            throw ctx.error("names no cluster")
        }
        guard let clusterEntry = clusters[clusterName] else {
            throw ctx.error("refers to cluster \"\(clusterName)\", which is not defined in \(fileList)")
        }
        let userName = try ctx.string("user") ?? ""
        var userEntry: Entry?
        if !userName.isEmpty {
            guard let found = users[userName] else {
                throw ctx.error("refers to user \"\(userName)\", which is not defined in \(fileList)")
            }
            userEntry = found
        }

        // Cluster
        let cluster = EntryReader(entry: clusterEntry, label: "cluster")
        guard let server = try cluster.string("server"), !server.isEmpty else { throw cluster.error("has no server") }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw cluster.error("server \"\(server)\" is not an http(s) URL")
        }
        var tls = TLSConfiguration()
        var caData: [UInt8]?
        if let data = try cluster.string("certificate-authority-data"), !data.isEmpty {
            caData = try cluster.base64("certificate-authority-data", data)
        } else if let path = try cluster.string("certificate-authority"), !path.isEmpty {
            caData = try cluster.readFile("certificate-authority", path)
        }
        tls.caPEM = caData
        let insecure = try cluster.bool("insecure-skip-tls-verify") ?? false
        if insecure {
            if caData != nil {
                throw cluster.error("sets both a certificate authority and insecure-skip-tls-verify: true; remove one")
            }
            tls.insecureSkipVerify = true
            InsecureWarning.emit("cluster \"\(clusterName)\" in \(clusterEntry.file)")
        }
        if let serverName = try cluster.string("tls-server-name"), !serverName.isEmpty { tls.serverName = serverName }
        let proxy = try cluster.string("proxy-url").flatMap { $0.isEmpty ? nil : $0 }

        // User
        var credentials = Credentials.none
        if let userEntry {
            let user = EntryReader(entry: userEntry, label: "user")
            var cert: [UInt8]?
            var key: [UInt8]?
            if let data = try user.string("client-certificate-data"), !data.isEmpty {
                cert = try user.base64("client-certificate-data", data)
            } else if let path = try user.string("client-certificate"), !path.isEmpty {
                cert = try user.readFile("client-certificate", path)
            }
            if let data = try user.string("client-key-data"), !data.isEmpty {
                key = try user.base64("client-key-data", data)
            } else if let path = try user.string("client-key"), !path.isEmpty {
                key = try user.readFile("client-key", path)
            }
            if (cert == nil) != (key == nil) {
                throw user.error(cert == nil ? "has a client key but no client certificate" : "has a client certificate but no client key")
            }
            if let cert, let key {
                tls.clientCertificatePEM = cert
                tls.clientKeyPEM = key
                credentials = .clientCertificate
            }
            if let token = try user.string("token"), !token.isEmpty {
                credentials = .token(token)
            } else if let tokenFile = try user.string("tokenFile"), !tokenFile.isEmpty {
                let path = user.resolve(tokenFile)
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw user.error("tokenFile \(path) cannot be read")
                }
                credentials = .tokenFile(path)
            } else if let exec = userEntry.body["exec"], !exec.isNull {
                let info = ExecConfig.ClusterInfo(
                    server: server, certificateAuthorityData: caData.map { Data($0).base64EncodedString() },
                    tlsServerName: tls.serverName, insecureSkipTLSVerify: insecure, proxyURL: proxy)
                credentials = .exec(try user.execConfig(exec, cluster: info))
            }
            if userEntry.body["username"] != nil || userEntry.body["password"] != nil, case .none = credentials {
                throw user.error("basic authentication (username/password) is not supported; use a token, a client certificate or an exec plugin")
            }
            if let provider = userEntry.body["auth-provider"], !provider.isNull, case .none = credentials {
                let name = provider["name"]?.string ?? "?"
                throw user.error("auth-provider \"\(name)\" was removed from Kubernetes clients; configure the exec plugin (kubelogin, gke-gcloud-auth-plugin)")
            }
        }
        let namespace = try ctx.string("namespace").flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return ClusterConnection(server: server, tls: tls, proxy: proxy, namespace: namespace, credentials: credentials, contextName: contextName)
    }
}

/// Typed reads from one kubeconfig entry, with errors naming the file and the entry.
struct EntryReader {
    let entry: KubeConfig.Entry
    let label: String

    func error(_ message: String) -> KubeConfigError {
        KubeConfigError(file: entry.file, entry: "\(label) \"\(entry.name)\"", message: message)
    }

    func string(_ key: String) throws -> String? {
        guard let node = entry.body[key], !node.isNull else { return nil }
        guard let text = node.scalarText else { throw error("\(key) must be a string, found a \(node.typeName)") }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        guard let node = entry.body[key], !node.isNull else { return nil }
        if let value = node.bool { return value }
        switch node.string?.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error("\(key) must be true or false, found \(node.scalarText ?? node.typeName)")
        }
    }

    func base64(_ key: String, _ text: String) throws -> [UInt8] {
        let cleaned = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: cleaned), !data.isEmpty else { throw error("\(key) is not valid base64") }
        return [UInt8](data)
    }

    /// A path as kubectl reads it: relative to the folder of the kubeconfig that names it.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (entry.file as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(path)
    }

    func readFile(_ key: String, _ path: String) throws -> [UInt8] {
        let resolved = resolve(path)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw error("\(key) file \(resolved) cannot be read")
        }
        return [UInt8](data)
    }

    func execConfig(_ node: Node, cluster: ExecConfig.ClusterInfo) throws -> ExecConfig {
        guard node.isMapping else { throw error("exec must be a mapping, found a \(node.typeName)") }
        let exec = EntryReader(entry: KubeConfig.Entry(name: entry.name, body: node, file: entry.file), label: label)
        guard let command = try exec.string("command"), !command.isEmpty else { throw error("exec has no command") }
        let apiVersion = try exec.string("apiVersion") ?? ""
        guard apiVersion == "client.authentication.k8s.io/v1" || apiVersion == "client.authentication.k8s.io/v1beta1" else {
            throw error("exec apiVersion \"\(apiVersion)\" is not supported (use client.authentication.k8s.io/v1 or v1beta1)")
        }
        let args = try (node["args"]?.sequence ?? []).map { arg -> String in
            guard let text = arg.scalarText else { throw error("exec args must be strings") }
            return text
        }
        let env = try (node["env"]?.sequence ?? []).map { item -> (name: String, value: String) in
            guard let name = item["name"]?.scalarText, !name.isEmpty else { throw error("exec env entries need a name") }
            return (name, item["value"]?.scalarText ?? "")
        }
        let mode: ExecConfig.InteractiveMode
        if let text = try exec.string("interactiveMode"), !text.isEmpty {
            guard let parsed = ExecConfig.InteractiveMode(rawValue: text) else {
                throw error("exec interactiveMode \"\(text)\" is not one of Never, IfAvailable, Always")
            }
            mode = parsed
        } else if apiVersion.hasSuffix("/v1") {
            throw error("exec interactiveMode must be set for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)")
        } else {
            mode = .ifAvailable
        }
        // A relative command with a folder in it is relative to the kubeconfig (as client-go).
        let resolvedCommand = command.contains("/") ? resolve(command) : command
        return ExecConfig(apiVersion: apiVersion, command: resolvedCommand, args: args, env: env, interactiveMode: mode,
                          provideClusterInfo: try exec.bool("provideClusterInfo") ?? false, cluster: cluster,
                          installHint: try exec.string("installHint"))
    }
}

/// `insecure-skip-tls-verify: true` disables server authentication: say so on stderr, once per
/// process, so it is never silent.
enum InsecureWarning {
    private static let state = Locked(false)

    static func emit(_ what: String) {
        let first = state.withLock { warned -> Bool in
            defer { warned = true }
            return !warned
        }
        guard first else { return }
        FileHandle.standardError.write(Data("warning: insecure-skip-tls-verify is set for \(what): the server's certificate is not verified\n".utf8))
    }
}
