import Foundation
import YAML

/// What an exec plugin answered (`ExecCredential.status`).
public struct ExecCredential: Sendable, Equatable {
    public var token: String?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// nil: valid until the server rejects it (401).
    public var expiration: Date?

    public init(token: String? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil, expiration: Date? = nil) {
        self.token = token
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.expiration = expiration
    }

    /// Parses the plugin's stdout: an `ExecCredential` of the configured apiVersion.
    static func parse(_ output: [UInt8], config: ExecConfig) throws -> ExecCredential {
        let fail = { (message: String) in ExecPluginError(command: config.command, message: message) }
        let node: Node
        do {
            node = try Node(json: output, file: "\(config.command) output")
        } catch {
            let text = String(decoding: output.prefix(200), as: UTF8.self)
            throw fail("did not print an ExecCredential as JSON (\(error)); output began: \(text)")
        }
        guard node["kind"]?.string == "ExecCredential" else { throw fail("printed kind \(node["kind"]?.scalarText ?? "none"), expected ExecCredential") }
        guard node["apiVersion"]?.string == config.apiVersion else {
            throw fail("printed apiVersion \(node["apiVersion"]?.scalarText ?? "none"), but the kubeconfig asks for \(config.apiVersion)")
        }
        guard let status = node["status"], status.isMapping else { throw fail("ExecCredential has no status") }
        var credential = ExecCredential()
        credential.token = status["token"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        credential.clientCertificatePEM = status["clientCertificateData"]?.string.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        credential.clientKeyPEM = status["clientKeyData"]?.string.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        if (credential.clientCertificatePEM == nil) != (credential.clientKeyPEM == nil) {
            throw fail("ExecCredential status has only one of clientCertificateData and clientKeyData")
        }
        if credential.token == nil && credential.clientCertificatePEM == nil {
            throw fail("ExecCredential status has neither token nor clientCertificateData")
        }
        if let text = status["expirationTimestamp"]?.string, !text.isEmpty {
            guard let date = RFC3339.parse(text) else { throw fail("expirationTimestamp \(text) is not an RFC 3339 time") }
            credential.expiration = date
        }
        return credential
    }
}

/// Runs an exec credential plugin and caches its answer until it expires, so a burst of requests
/// runs the plugin once. Concurrent callers share one run. `invalidate()` after a 401 forces the
/// next call to run the plugin again.
actor ExecCredentialProvider {
    let config: ExecConfig
    private let now: @Sendable () -> Date
    private let environment: [String: String]
    private let isTerminal: @Sendable () -> Bool
    private var cached: ExecCredential?
    private var inFlight: Task<ExecCredential, any Error>?
    /// How many times the plugin ran (for tests and diagnostics).
    private(set) var runs = 0

    init(config: ExecConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
         now: @escaping @Sendable () -> Date = { Date() }, isTerminal: @escaping @Sendable () -> Bool = { isatty(STDIN_FILENO) == 1 }) {
        self.config = config
        self.environment = environment
        self.now = now
        self.isTerminal = isTerminal
    }

    func credential() async throws -> ExecCredential {
        if let cached, cached.expiration.map({ $0 > now() }) ?? true { return cached }
        if let inFlight { return try await inFlight.value }
        runs += 1
        let config = config
        let environment = environment
        let interactive = try interactivity()
        let task = Task { try await BlockingExecutor.shared.run { try ExecCredentialProvider.runPlugin(config, environment: environment, interactive: interactive) } }
        inFlight = task
        defer { inFlight = nil }
        let credential = try await task.value
        cached = credential
        return credential
    }

    /// Forgets the cached credential (the server said 401).
    func invalidate() {
        cached = nil
    }

    private func interactivity() throws -> Bool {
        switch config.interactiveMode {
        case .never: return false
        case .ifAvailable: return isTerminal()
        case .always:
            guard isTerminal() else {
                throw ExecPluginError(command: config.command, message: "interactiveMode is Always, but standard input is not a terminal")
            }
            return true
        }
    }

    /// The `KUBERNETES_EXEC_INFO` JSON the plugin reads.
    static func execInfo(_ config: ExecConfig, interactive: Bool) -> String {
        var spec: Node = ["interactive": .bool(interactive)]
        if config.provideClusterInfo, let cluster = config.cluster {
            var info: Node = ["server": .string(cluster.server)]
            if let ca = cluster.certificateAuthorityData { info["certificate-authority-data"] = .string(ca) }
            if let name = cluster.tlsServerName { info["tls-server-name"] = .string(name) }
            if cluster.insecureSkipTLSVerify { info["insecure-skip-tls-verify"] = true }
            if let proxy = cluster.proxyURL { info["proxy-url"] = .string(proxy) }
            spec["cluster"] = info
        }
        let node = Node.object(["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": spec])
        return node.jsonString()
    }

    /// Runs the plugin (blocking): stdout is the credential; stderr is shown to the user when
    /// interactive, otherwise kept for the error message.
    static func runPlugin(_ config: ExecConfig, environment: [String: String], interactive: Bool) throws -> ExecCredential {
        let process = Process()
        let executable = resolveExecutable(config.command, path: environment["PATH"])
        guard let executable else {
            var message = "command not found"
            if let hint = config.installHint, !hint.isEmpty { message += "\n\(hint)" }
            throw ExecPluginError(command: config.command, message: message)
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = config.args
        var env = environment
        for variable in config.env { env[variable.name] = variable.value }
        env["KUBERNETES_EXEC_INFO"] = execInfo(config, interactive: interactive)
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        if interactive {
            process.standardInput = FileHandle.standardInput
            process.standardError = FileHandle.standardError
        } else {
            process.standardInput = FileHandle.nullDevice
            process.standardError = stderr
        }
        do {
            try process.run()
        } catch {
            throw ExecPluginError(command: config.command, message: "cannot start: \(error.localizedDescription)")
        }
        // Read both pipes to the end before waiting, so a chatty plugin cannot fill a pipe and hang.
        let errorData = LockedValue(Data())
        let errorDone = DispatchSemaphore(value: 0)
        if !interactive {
            let handle = stderr.fileHandleForReading
            Thread.detachNewThread {
                let data = handle.readDataToEndOfFile()
                errorData.withLock { $0 = data }
                errorDone.signal()
            }
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // The stderr reader ends at EOF, which comes when the plugin (and its children) exit.
        if !interactive { errorDone.wait() }
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errorData.current, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ExecPluginError(command: config.command, message: "exited with status \(process.terminationStatus)" + (text.isEmpty ? "" : ": \(text)"))
        }
        return try ExecCredential.parse([UInt8](output), config: config)
    }

    static func resolveExecutable(_ command: String, path: String?) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = (String(directory) as NSString).appendingPathComponent(command)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// RFC 3339 timestamps as Kubernetes writes them (`2026-11-22T07:58:33Z`, optional fraction
/// and offset).
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
