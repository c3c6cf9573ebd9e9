import Executors
import Foundation
import JSON
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

    /// Parses the plugin's stdout: an `ExecCredential` of the configured apiVersion. The output
    /// holds the token, so no error quotes it: messages name fields and positions, never values.
    static func parse(_ output: [UInt8], config: ExecConfig) throws -> ExecCredential {
        let fail = { (message: String) in ExecPluginError(command: config.command, message: message) }
        if output.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw fail("exited 0 but printed nothing on standard output (expected an ExecCredential as JSON)")
        }
        let node: Node
        do {
            node = try Node(json: output, file: "\(config.command) output")
        } catch {
            // The parser's message may quote the input: give only where it failed.
            let position = (error as? Diagnostic)?.mark.map { " (at line \($0.line), column \($0.column))" } ?? ""
            throw fail("did not print an ExecCredential as JSON: \(output.count) bytes of standard output are not valid JSON\(position)")
        }
        guard node.isMapping else { throw fail("printed JSON that is not an object, expected an ExecCredential") }
        guard node["kind"]?.string == "ExecCredential" else {
            throw fail(node["kind"] == nil ? "printed JSON without a kind, expected kind ExecCredential" : "printed a kind other than ExecCredential")
        }
        guard let apiVersion = node["apiVersion"]?.string, apiVersion == config.apiVersion else {
            // Only well-known versions are echoed back: anything else might be a secret in the wrong field.
            let known = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1", "client.authentication.k8s.io/v1alpha1"]
            let printed = node["apiVersion"]?.string.map { known.contains($0) ? $0 : "an unknown version" } ?? "none"
            throw fail("printed apiVersion \(printed), but the kubeconfig asks for \(config.apiVersion)")
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
            guard let date = KubeTime.parse(text) else {
                throw fail("status.expirationTimestamp is not an RFC 3339 time")
            }
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

    /// Runs the plugin (blocking): stdout is the credential and is never shown; stderr is shown
    /// to the user when interactive, otherwise kept (truncated) for the error message. After
    /// `config.timeout` the plugin (and its process group, when it leads one) is killed.
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
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw ExecPluginError(command: config.command, message: "cannot start: \(error.localizedDescription)")
        }
        // Read both pipes on their own threads, so a chatty plugin cannot fill a pipe and hang,
        // and so a plugin that never exits cannot hold this thread past the timeout.
        let outputData = Locked(Data())
        let outputDone = DispatchSemaphore(value: 0)
        let errorData = Locked(Data())
        let errorDone = DispatchSemaphore(value: 0)
        let outputHandle = stdout.fileHandleForReading
        Thread.detachNewThread {
            let data = outputHandle.readDataToEndOfFile()
            outputData.withLock { $0 = data }
            outputDone.signal()
        }
        if !interactive {
            let handle = stderr.fileHandleForReading
            Thread.detachNewThread {
                let data = handle.readDataToEndOfFile()
                errorData.withLock { $0 = data }
                errorDone.signal()
            }
        }
        let deadline = DispatchTime.now() + config.timeout
        if exited.wait(timeout: deadline) == .timedOut {
            killPlugin(process.processIdentifier)
            // SIGKILL cannot be caught; Foundation reaps the process and calls the termination
            // handler from its own monitor, which other processes' handlers can hold up (seen at
            // 30 s under the parallel test suite): wait briefly, never unboundedly.
            _ = exited.wait(timeout: .now() + 2)
            if !interactive { _ = errorDone.wait(timeout: .now() + 1) }
            throw ExecPluginError(command: config.command,
                                  message: "did not finish within \(formatSeconds(config.timeout)) and was killed" + stderrSuffix(errorData.current))
        }
        // The readers end at EOF, which comes when the plugin and its children close the pipes; a
        // child left running in the background gets until the deadline too.
        let outputFinished = outputDone.wait(timeout: deadline) == .success
        let errorFinished = interactive || errorDone.wait(timeout: deadline) == .success
        guard process.terminationReason == .exit else {
            throw ExecPluginError(command: config.command, message: "was killed by signal \(process.terminationStatus)" + stderrSuffix(errorData.current))
        }
        guard process.terminationStatus == 0 else {
            throw ExecPluginError(command: config.command, message: "exited with status \(process.terminationStatus)" + stderrSuffix(errorData.current))
        }
        guard outputFinished && errorFinished else {
            throw ExecPluginError(command: config.command,
                                  message: "exited, but a process it started kept its output open for \(formatSeconds(config.timeout))")
        }
        return try ExecCredential.parse([UInt8](outputData.current), config: config)
    }

    /// Most of a plugin's standard error that an error message shows.
    static let maxStderrShown = 2_000

    /// `": <stderr>"` (trimmed, truncated), or nothing when the plugin printed nothing there.
    static func stderrSuffix(_ data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        guard text.count > maxStderrShown else { return ": \(text)" }
        return ": \(text.prefix(maxStderrShown))… (\(text.count - maxStderrShown) more characters of standard error)"
    }

    static func formatSeconds(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }

    /// SIGKILL (SIGTERM may be blocked in children of the test runner, and a hung plugin has
    /// nothing to clean up), to the process group as well when the plugin leads its own.
    private static func killPlugin(_ pid: pid_t) {
        if getpgid(pid) == pid { _ = killpg(pid, SIGKILL) }
        _ = kill(pid, SIGKILL)
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

