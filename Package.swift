// swift-tools-version: 6.0
import PackageDescription

/// reconcile: a GitOps reconciler for the Istio / network-policy layer of Kubernetes.
///
/// Layout: one C shim per library (`CYAML`, `CGit2`, `CCurl`), one Swift module that owns each
/// library's handles (`YAML`, `Git`, `HTTP`), the pure planning core (`ReconcileCore`), the
/// command-line layer that wires I/O to the core (`ReconcileCLI`) and the `reconcile` executable.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "reconcile",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reconcile", targets: ["reconcile"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C libraries
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // MARK: - Owners of the C libraries
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: swiftSettings),
        .target(name: "Git", dependencies: ["CGit2"], swiftSettings: swiftSettings),
        .target(name: "HTTP", dependencies: ["CCurl"], swiftSettings: swiftSettings),

        // MARK: - Kubernetes API client (the only user of libcurl for Kubernetes)
        .target(name: "Kube", dependencies: ["HTTP", "YAML"], swiftSettings: swiftSettings),

        // MARK: - Pure core and the CLI
        .target(name: "ReconcileCore", dependencies: ["YAML"], swiftSettings: swiftSettings),
        // Live snapshot, dry-run, apply, restarts, events: the I/O engine around the pure core.
        .target(name: "ReconcileEngine", dependencies: ["ReconcileCore", "Kube", "YAML"], swiftSettings: swiftSettings),
        .target(
            name: "ReconcileCLI",
            dependencies: [
                "ReconcileCore", "ReconcileEngine", "Kube", "YAML", "Git", "HTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "reconcile", dependencies: ["ReconcileCLI"], swiftSettings: swiftSettings),

        // MARK: - Tests
        // Fixtures shared by test targets (git CLI repos, git daemon, loopback HTTP server);
        // only test targets depend on it, never `reconcile`.
        .target(name: "ReconcileTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: swiftSettings),
        .testTarget(name: "GitTests", dependencies: ["Git", "ReconcileTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "ReconcileTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ReconcileCoreTests",
            dependencies: ["ReconcileCore", "YAML"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReconcileCLITests",
            dependencies: ["ReconcileCLI", "ReconcileCore", "Git", "YAML", "ReconcileTestSupport"],
            resources: [.copy("BadInput")],
            swiftSettings: swiftSettings
        ),
    ]
)
