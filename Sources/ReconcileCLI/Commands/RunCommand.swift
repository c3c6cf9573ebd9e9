import ArgumentParser
import Foundation
import Git
import Kube
import Logging
import ReconcileController
import ReconcileCore
import ServiceLifecycle

/// `reconcile run`: the in-cluster controller. Keeps the cluster equal to the repository on an
/// interval and on webhook calls, records drift, serves /metrics, /healthz, /readyz and
/// /webhook; two replicas elect a leader on a Lease and only the leader writes.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the controller: reconcile continuously, watch for drift, serve metrics and the webhook.",
        discussion: """
        Every --interval (±10% jitter) and at once on a signed POST /webhook: fetch the repository into --cache-dir \
        (on failure the last good commit is kept and reported), plan, and on the leader apply, restart and write the \
        ConfigMap reconcile-status in --namespace. Leader election uses the Lease --lease-name in --namespace. A \
        webhook that reaches a follower wakes the leader through the annotation reconcile.dev/wake on that Lease. \
        The leader renews the Lease every --renew-period and stops writing --renew-deadline after the start of its \
        last successful renewal; the others take it over only when it has not changed for --lease-duration by their \
        own clocks (wall-clock skew between replicas does not matter). SIGTERM finishes the current write, releases \
        the Lease and exits.
        """)

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup(title: ScopeOptions.title) var scopeOptions: ScopeOptions
    @OptionGroup var kubeOptions: KubeOptions
    @OptionGroup var pruneOptions: PruneOptions
    @OptionGroup(title: "Commit signatures (set by the operator, never by the repository)")
    var verifyOptions: VerifyOptions

    @Option(help: "Time between passes: 30s, 1m, 1h (±10% jitter).")
    var interval: String = "1m"

    @Option(help: "The controller's own namespace: the Lease, the status ConfigMap (default $POD_NAMESPACE).")
    var namespace: String?

    @Option(help: "Address of the HTTP server (/metrics, /healthz, /readyz, /webhook).")
    var listen: String = "0.0.0.0:8080"

    @Option(help: "Log format: text or json.")
    var logFormat: String = "text"

    @Option(help: "Override reconcile.yaml's drift: setting: correct or report.")
    var drift: String?

    @Option(help: "File holding the webhook's HMAC secret; without it POST /webhook answers 404.")
    var webhookSecretFile: String?

    @Option(help: "Name of the leader-election Lease.")
    var leaseName: String = "reconcile"

    @Option(help: "This replica's identity in the Lease (default $POD_NAME, else the host name).")
    var identity: String?

    @Option(name: .customLong("allow-findings"), help: "Error finding codes to accept, comma-separated (e.g. IST0101,POL001).")
    var allowFindings: String?

    @Option(help: "Leader election: seconds the others wait, from when they saw the Lease last change, before taking it over.")
    var leaseDuration: Double = 15

    @Option(help: "Leader election: seconds the leader keeps writing after the start of its last successful renewal; less than --lease-duration (default 10, or 2/3 of --lease-duration if that is less).")
    var renewDeadline: Double?

    @Option(help: "Leader election: seconds between renewals by the leader.")
    var renewPeriod: Double = 2

    @Option(help: "Leader election: seconds between attempts to acquire (and looks at the Lease).")
    var retryPeriod: Double = 2

    @Option(help: "Seconds between checks of a restarted workload's rollout.")
    var rolloutPollInterval: Double = 2

    @Option(help: "Least time between the end of one pass and the start of the next, however often woken (webhooks, drift).")
    var minPassGap: String = "2s"

    @Option(help: "/healthz fails when the loop made no progress (a hung fetch or API call) for this many intervals.")
    var stallIntervals: Int = 5

    @Option(help: "After a pass that failed for a passing reason (API 429/5xx, timeouts, a failed fetch), retry after this, doubling up to --interval.")
    var retryBackoff: String = "5s"

    func validate() throws {
        guard Self.parseDuration(interval) != nil else { throw ValidationError("--interval must be a duration such as 30s, 1m or 1h, got \(interval)") }
        guard Self.parseDuration(minPassGap) != nil else { throw ValidationError("--min-pass-gap must be a duration such as 2s, got \(minPassGap)") }
        guard Self.parseDuration(retryBackoff) != nil else { throw ValidationError("--retry-backoff must be a duration such as 5s, got \(retryBackoff)") }
        guard stallIntervals >= 2 else { throw ValidationError("--stall-intervals must be at least 2, got \(stallIntervals)") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json, got \(logFormat)") }
        if let drift, RepoConfig.DriftMode(rawValue: drift) == nil { throw ValidationError("--drift must be correct or report, got \(drift)") }
        guard Self.parseListen(listen) != nil else { throw ValidationError("--listen must be host:port, got \(listen)") }
        guard [leaseDuration, renewDeadline ?? 1, renewPeriod, retryPeriod].allSatisfy({ $0.isFinite && $0 > 0 && $0 < 86_400 }) else {
            throw ValidationError("leader election timings must be positive numbers of seconds")
        }
        if let problem = leaderTiming.problem {
            throw ValidationError("leader election needs --lease-duration > --renew-deadline > --renew-period + --retry-period: \(problem)")
        }
    }

    func run() async throws {
        let controller = try makeController()
        controller.logger.info("reconcile run: \(CredentialRedaction.redactingURLCredentials(in: repoOptions.repo)) every \(interval), leader election on Lease \(controller.options.namespace)/\(leaseName) as \(controller.options.identity)")
        try await controller.run()
    }

    func makeController() throws -> Controller {
        try repoOptions.checkTransport()  // at startup, not at the first pass
        let environment = ProcessInfo.processInfo.environment
        let logger = Self.logger(format: logFormat)
        var secret: [UInt8]?
        if let webhookSecretFile {
            guard let data = FileManager.default.contents(atPath: webhookSecretFile) else { throw UserError("cannot read --webhook-secret-file \(webhookSecretFile)") }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw UserError("--webhook-secret-file \(webhookSecretFile) is empty") }
            secret = Array(text.utf8)
        }
        let (host, port) = Self.parseListen(listen)!
        let allowed = Set((allowFindings ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        let options = Controller.Options(
            namespace: namespace ?? environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            leaseName: leaseName,
            identity: identity ?? environment["POD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? ProcessInfo.processInfo.hostName,
            interval: Self.parseDuration(interval)!,
            listenHost: host, listenPort: port,
            driftOverride: drift.flatMap(RepoConfig.DriftMode.init(rawValue:)),
            webhookSecret: secret, allowedFindings: allowed,
            planOptions: pruneOptions.planOptions(diffContext: 3),
            leaderTiming: leaderTiming,
            rolloutPollInterval: rolloutPollInterval, minimumGap: Self.parseDuration(minPassGap)!, stallIntervals: stallIntervals,
            retryBackoff: Self.parseDuration(retryBackoff)!)
        let source = try repoOptions.desiredStateSource(scope: scopeOptions, ownNamespace: options.namespace,
                                                        verifier: try verifyOptions.verifier())
        let cluster = try kubeOptions.client(allowInsecureTransport: repoOptions.allowInsecureTransport)
        return Controller(options: options, cluster: cluster, source: source, logger: logger)
    }

    var leaderTiming: LeaderElector.Timing {
        let seconds = { (value: Double) in Duration.milliseconds(Int((value * 1000).rounded())) }
        return LeaderElector.Timing(leaseDuration: seconds(leaseDuration), renewDeadline: seconds(renewDeadline ?? min(10, leaseDuration * 2 / 3)),
                                    renewPeriod: seconds(renewPeriod), retryPeriod: seconds(retryPeriod))
    }

    static func logger(format: String) -> Logger {
        var logger = format == "json"
            ? Logger(label: "reconcile", factory: { JSONLogHandler(label: $0) })
            : Logger(label: "reconcile", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .info
        return logger
    }

    /// `500ms`, `30s`, `1m`, `1h`, `1m30s`.
    static func parseDuration(_ text: String) -> Duration? {
        var total = 0.0
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            let rest = text[index...]
            let (unit, length): (Double, Int) = rest.hasPrefix("ms") ? (0.001, 2) : rest.hasPrefix("s") ? (1, 1)
                : rest.hasPrefix("m") ? (60, 1) : rest.hasPrefix("h") ? (3600, 1) : (0, 0)
            guard length > 0 else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
            index = text.index(index, offsetBy: length)
        }
        guard number.isEmpty, sawUnit, total > 0 else { return nil }
        return .milliseconds(Int((total * 1000).rounded()))
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

extension ReconcileCommand {
    /// The controller `reconcile run ARGUMENTS` would run (tests run its ServiceGroup in-process).
    public static func makeController(runArguments arguments: [String]) throws -> Controller {
        let command = try RunCommand.parse(arguments)
        return try command.makeController()
    }
}
