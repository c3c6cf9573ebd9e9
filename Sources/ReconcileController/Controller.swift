import Foundation
import Logging
import ReconcileCore
import ReconcileSource
import ServiceLifecycle
import UnixSignals

/// `reconcile run`: leader elector, reconcile loop, drift watcher and HTTP server in one
/// `ServiceGroup`. On SIGTERM the group shuts them down in reverse order: the HTTP server and the
/// watches stop, the pass under way finishes its current write, and the Lease is released last
/// so the other replica takes over at its next retry.
public final class Controller: Sendable {
    public struct Options: Sendable {
        public var namespace: String
        public var leaseName: String
        public var identity: String
        public var interval: Duration
        public var listenHost: String
        public var listenPort: Int
        public var driftOverride: RepoConfig.DriftMode?
        public var webhookSecret: [UInt8]?
        public var allowedFindings: Set<String>
        public var planOptions: PlanOptions
        public var leaderTiming: LeaderElector.Timing
        public var rolloutPollInterval: Double
        public var minimumGap: Duration
        public var stallIntervals: Int
        public var retryBackoff: Duration

        public init(namespace: String, leaseName: String = "reconcile", identity: String, interval: Duration = .seconds(60),
                    listenHost: String = "0.0.0.0", listenPort: Int = 8080, driftOverride: RepoConfig.DriftMode? = nil, webhookSecret: [UInt8]? = nil,
                    allowedFindings: Set<String> = [], planOptions: PlanOptions = PlanOptions(), leaderTiming: LeaderElector.Timing = .init(),
                    rolloutPollInterval: Double = 2, minimumGap: Duration = .seconds(2), stallIntervals: Int = 5, retryBackoff: Duration = .seconds(5)) {
            self.minimumGap = minimumGap
            self.stallIntervals = stallIntervals
            self.retryBackoff = retryBackoff
            self.namespace = namespace
            self.leaseName = leaseName
            self.identity = identity
            self.interval = interval
            self.listenHost = listenHost
            self.listenPort = listenPort
            self.driftOverride = driftOverride
            self.webhookSecret = webhookSecret
            self.allowedFindings = allowedFindings
            self.planOptions = planOptions
            self.leaderTiming = leaderTiming
            self.rolloutPollInterval = rolloutPollInterval
        }
    }

    public let options: Options
    public let metrics: ControllerMetrics
    public let leader: LeaderElector
    public let loop: ReconcileLoop
    public let drift: DriftWatcher
    public let wake: WakeSignal
    public let logger: Logger
    private let http: any Service
    private let boundPort: Locked<Int?>

    public init(options: Options, cluster: any ControllerCluster, source: any DesiredStateSource, logger: Logger) {
        self.options = options
        self.logger = logger
        let metrics = ControllerMetrics()
        let metered = MeteredCluster(base: cluster, metrics: metrics)
        let wake = WakeSignal()
        let leader = LeaderElector(cluster: metered, namespace: options.namespace, name: options.leaseName, identity: options.identity,
                                   timing: options.leaderTiming, logger: logger)
        let writer = LeaderGuardedCluster(base: metered, leader: leader)
        let drift = DriftWatcher(reader: metered, metrics: metrics, logger: logger)
        let loop = ReconcileLoop(source: source, cluster: metered, writer: writer, leader: leader, drift: drift, metrics: metrics,
                                 settings: .init(namespace: options.namespace, interval: options.interval, driftOverride: options.driftOverride,
                                                 allowedFindings: options.allowedFindings, planOptions: options.planOptions,
                                                 rolloutPollInterval: options.rolloutPollInterval, identity: options.identity,
                                                 minimumGap: options.minimumGap, stallIntervals: options.stallIntervals, retryBackoff: options.retryBackoff),
                                 logger: logger, wake: wake)
        leader.onLeadershipChange { isLeader in
            metrics.leader(isLeader)
            // A new leader reconciles at once rather than at the end of its interval.
            if isLeader { wake.wake() }
        }
        leader.onWakeRequest { wake.wake() }
        let verifier = options.webhookSecret.map { WebhookVerifier(secret: $0) }
        let handlers = HTTPServer.Handlers(
            isReady: { loop.isReady }, isLive: { loop.isLive }, metrics: { metrics.render() }, verifier: verifier,
            onWebhook: {
                wake.wake()
                // Behind a Service the call may land on a follower: ask the leader through the Lease.
                if !leader.isLeader {
                    Task {
                        do { try await leader.requestWake() } catch { logger.warning("could not pass the webhook on to the leader: \(error)") }
                    }
                }
            })
        let boundPort = Locked<Int?>(nil)
        self.boundPort = boundPort
        http = HTTPServer.application(handlers, host: options.listenHost, port: options.listenPort, logger: logger) { port in
            boundPort.withLock { $0 = port }
        }
        self.metrics = metrics
        self.leader = leader
        self.loop = loop
        self.drift = drift
        self.wake = wake
    }

    /// The port the HTTP server listens on, once it does.
    public var httpPort: Int? { boundPort.current }

    /// The services in start order; shutdown runs in reverse, so the Lease is released last.
    public func serviceGroup(signals: [UnixSignal] = [.sigterm, .sigint]) -> ServiceGroup {
        ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: leader), .init(service: loop), .init(service: drift), .init(service: http)],
            gracefulShutdownSignals: signals, logger: logger))
    }

    public func run() async throws {
        try await serviceGroup().run()
    }
}
