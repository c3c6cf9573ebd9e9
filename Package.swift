// swift-tools-version: 6.0
import PackageDescription

/// reconcile: a GitOps reconciler for the Istio / network-policy layer of Kubernetes.
///
/// Layout, in the order the data flows (README "Layout"): one C shim per library (`CYAML`,
/// `CGit2`, `CCurl`; `CMalloc` for glibc's allocator statistics) → the Swift module that owns each
/// library's handles (`YAML`, `JSON` on YAML's `Node`, `Git`, `HTTP`; `Executors` is the one pool,
/// blocking executor and lock box they share) → the API clients (`Kube`, `GitHub`) and commit
/// signatures (`CommitVerification`) → the desired-state source (`ReconcileSource`: repository →
/// rendered desired state) → the pure core (`ReconcileCore`: render, plan), its checks
/// (`ReconcileFindings`) and the reachability model (`ReconcileReachability`) → the I/O
/// engine (`ReconcileEngine`: live state, dry-run, apply, restarts, events) → the controller
/// (`ReconcileController`) and the commands (`ReconcileCLI`) → the `reconcile` executable.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "reconcile",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reconcile", targets: ["reconcile"]),
        // The benchmark of issue 4 (docs/benchmarks.md); never part of the `reconcile` product.
        .executable(name: "reconcile-bench", targets: ["ReconcileBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Test API server only (never linked into `reconcile`): HTTPS on loopback with a generated CA.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        // `reconcile run`: HTTP endpoints, service lifecycle, logging and Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),  // LogHandler.log(event:)
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // MARK: - C libraries
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // glibc's <malloc.h> (mallinfo2, malloc_trim): the controller's memory gauges and trim.
        .systemLibrary(name: "CMalloc"),

        // MARK: - The two executors and the lock box every module shares
        // `concurrentMap` (CPU-parallel work on a pool of its own), `BlockingExecutor` (blocking C
        // calls off Swift's cooperative pool) and `Locked` (state shared across threads).
        .target(name: "Executors", swiftSettings: swiftSettings),

        // MARK: - Owners of the C libraries
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: swiftSettings),
        // JSON in and out of the document tree YAML owns (`Node`), and the zero-copy tape that the
        // live state of a plan is read through.
        .target(name: "JSON", dependencies: ["YAML"], swiftSettings: swiftSettings),
        .target(name: "Git", dependencies: ["CGit2", "Executors"], swiftSettings: swiftSettings),
        .target(name: "HTTP", dependencies: ["CCurl", "Executors"], swiftSettings: swiftSettings),

        // MARK: - Commit-signature verification (issue 20): SSHSIG in-process, OpenPGP through gpgv
        .target(
            name: "CommitVerification",
            dependencies: [
                "Git",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommitVerificationTests",
            dependencies: ["CommitVerification", "Git", "ReconcileTestSupport"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Kubernetes API client (the only user of libcurl for Kubernetes)
        .target(name: "Kube", dependencies: ["HTTP", "YAML", "JSON", "Executors"], swiftSettings: swiftSettings),

        // MARK: - GitHub REST client (pull-request comments) over HTTP
        .target(name: "GitHub", dependencies: ["HTTP", "YAML", "JSON"], swiftSettings: swiftSettings),

        // MARK: - Pure core, the desired-state source, the engine, the controller and the CLI
        .target(name: "ReconcileCore", dependencies: ["YAML", "JSON", "Executors"], swiftSettings: swiftSettings),
        // The config repository (a directory or a git URL through libgit2) → the files of a
        // revision → the rendered desired state; used by the CLI and the controller alike.
        .target(
            name: "ReconcileSource", dependencies: ["ReconcileCore", "Git", "CommitVerification", "Executors"],
            swiftSettings: swiftSettings),
        // Plan-time checks over the core's model: the mesh analyzers and the guardrail-policy engine.
        .target(name: "ReconcileFindings", dependencies: ["ReconcileCore", "YAML", "JSON", "Executors"], swiftSettings: swiftSettings),
        // Reachability diff (issue 22): the pure network/mesh policy model and the before/after matrix.
        .target(name: "ReconcileReachability", dependencies: ["ReconcileCore", "YAML"], swiftSettings: swiftSettings),
        // Live snapshot, dry-run, apply, restarts, events: the I/O engine around the pure core.
        .target(name: "ReconcileEngine", dependencies: ["ReconcileCore", "ReconcileFindings", "Kube", "YAML", "JSON", "Executors"], swiftSettings: swiftSettings),
        // `reconcile run`: the in-cluster controller (loop, leader election, drift, HTTP, metrics).
        .target(
            name: "ReconcileController",
            dependencies: [
                "ReconcileCore", "ReconcileFindings", "ReconcileEngine", "ReconcileSource", "Kube", "YAML", "CMalloc", "Executors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ReconcileCLI",
            dependencies: [
                "ReconcileCore", "ReconcileFindings", "ReconcileEngine", "ReconcileSource", "ReconcileController", "Kube", "YAML",
                "Git", "HTTP",
                "GitHub", "CommitVerification", "ReconcileReachability",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "reconcile", dependencies: ["ReconcileCLI"], swiftSettings: swiftSettings),
        // `reconcile-bench`: generates N objects, seeds the test API server, times `reconcile plan`
        // against `kubectl diff` and the raw LIST floor (scripts/benchmark.sh, docs/benchmarks.md).
        .executableTarget(name: "ReconcileBench", dependencies: ["KubeTestServer", "YAML", "ReconcileCore", "ReconcileReachability", "HTTP", "Git"], swiftSettings: swiftSettings),

        // MARK: - Tests
        // Fixtures shared by test targets (git CLI repos, git daemon, loopback HTTP server);
        // only test targets depend on it, never `reconcile`.
        .target(name: "ReconcileTestSupport", dependencies: ["Executors"], swiftSettings: swiftSettings),
        // An in-process kube-apiserver that answers as the recorded v1.36 transcripts do.
        .target(
            name: "KubeTestServer",
            dependencies: [
                "YAML", "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            resources: [.copy("Resources/crds")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "KubeTestServerTests", dependencies: ["KubeTestServer", "YAML", "HTTP", "ReconcileTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "KubeTests", dependencies: ["Kube", "HTTP", "YAML", "Executors"], swiftSettings: swiftSettings),
        // Run against a real cluster instead of the test server when RECONCILE_TEST_KUBECONFIG is set.
        .testTarget(name: "KubeIntegrationTests", dependencies: ["Kube", "KubeTestServer", "HTTP", "YAML", "Executors"], swiftSettings: swiftSettings),
        .testTarget(name: "ChartTests", dependencies: ["YAML", "JSON", "ReconcileTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FindingsTests", dependencies: ["ReconcileFindings", "ReconcileCore", "YAML"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ReconcileEngineTests",
            dependencies: ["ReconcileEngine", "ReconcileCLI", "ReconcileCore", "Kube", "KubeTestServer", "YAML", "Git", "ReconcileTestSupport", "Executors"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "ReconcileController", "ReconcileSource", "ReconcileEngine", "KubeTestServer", "ReconcileTestSupport",
                "Kube", "YAML", "ReconcileCore", "HTTP", "Executors", "CommitVerification",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ReconcileReachabilityTests", dependencies: ["ReconcileReachability", "ReconcileCore", "YAML"], swiftSettings: swiftSettings),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: swiftSettings),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "YAML"], swiftSettings: swiftSettings),
        .testTarget(name: "GitTests", dependencies: ["Git", "ReconcileTestSupport", "Executors"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "ReconcileTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GitHubTests",
            dependencies: ["GitHub", "HTTP", "YAML", "ReconcileCore", "ReconcileTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReconcileCoreTests",
            dependencies: ["ReconcileCore", "YAML", "JSON"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReconcileCLITests",
            dependencies: ["ReconcileCLI", "ReconcileCore", "ReconcileSource", "Git", "YAML", "ReconcileTestSupport", "Executors"],
            exclude: ["Golden"],  // read from the source tree by GoldenPlanTests, so they can be regenerated
            resources: [.copy("BadInput")],
            swiftSettings: swiftSettings
        ),
    ]
)

// MARK: - Fuzzing
// libFuzzer harnesses (docs/fuzzing.md): one executable per input format, under Fuzz/<name>/.
// A normal build links each as a replayer of the inputs named on its command line; built by
// scripts/fuzz.sh with `-sanitize=fuzzer,address -DFUZZING`, the same `main` hands control to
// libFuzzer (`LLVMFuzzerRunDriver`, declared by CFuzzDriver). Never part of the `reconcile` product.
let fuzzHarnesses: [(product: String, target: String, path: String, dependencies: [Target.Dependency])] = [
    ("fuzz-yaml", "FuzzYAML", "Fuzz/yaml", ["YAML", "ReconcileCore", "ReconcileFindings"]),
    ("fuzz-json", "FuzzJSON", "Fuzz/json", ["JSON", "YAML"]),
    ("fuzz-policy", "FuzzPolicy", "Fuzz/policy", ["ReconcileCore", "ReconcileFindings", "YAML"]),
    ("fuzz-kubeconfig", "FuzzKubeConfig", "Fuzz/kubeconfig", ["Kube"]),
    ("fuzz-watch-lines", "FuzzWatchLines", "Fuzz/watch-lines", ["Kube", "Executors"]),
    ("fuzz-signatures", "FuzzSignatures", "Fuzz/signatures", ["CommitVerification", "Git"]),
]
package.targets += [
    .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
    .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Fuzz/Support", swiftSettings: swiftSettings),
]
for harness in fuzzHarnesses {
    package.products.append(.executable(name: harness.product, targets: [harness.target]))
    package.targets.append(.executableTarget(
        name: harness.target, dependencies: ["FuzzSupport"] + harness.dependencies, path: harness.path, swiftSettings: swiftSettings))
}
