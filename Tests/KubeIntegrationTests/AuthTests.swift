import Foundation
import KubeTestServer
import Testing
import YAML
@testable import Kube

/// Each kubeconfig user form end to end against the test server. On a real cluster only the
/// harness's own kubeconfig can be used, so these are skipped there.
@Suite(.serialized, .disabled(if: Harness.onRealCluster, "auth forms need the test server's CA and users"))
struct AuthTests {
    func expectAuthenticated(_ h: Harness, as user: String) async throws {
        let namespace = try #require(try await h.client.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "default")))
        #expect(namespace.name == "default")
        let users = Set(h.server?.requests.map { $0.user ?? "anonymous" } ?? [])
        #expect(users == [user], "requests were made as \(users)")
    }

    @Test func bearerToken() async throws {
        let h = try await Harness(user: .token("test-token"))
        defer { Task { await h.tearDown() } }
        try await expectAuthenticated(h, as: "admin")
    }

    @Test func tokenFileRelativeToKubeconfig() async throws {
        let h = try await Harness(user: .tokenFile("secrets/token")) { _, dir in
            try FileManager.default.createDirectory(atPath: dir + "/secrets", withIntermediateDirectories: true)
            try "test-token\n".write(toFile: dir + "/secrets/token", atomically: true, encoding: .utf8)
        }
        defer { Task { await h.tearDown() } }
        try await expectAuthenticated(h, as: "admin")
        // Rotated to an unknown token: the next request reads it and is refused.
        try "revoked".write(toFile: h.file("secrets/token"), atomically: true, encoding: .utf8)
        await #expect { _ = try await h.client.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "default")) }
            throws: { ($0 as? KubeError)?.code == 401 }
    }

    @Test func clientCertificateInline() async throws {
        let h = try await Harness(user: .clientCertificateInline)
        defer { Task { await h.tearDown() } }
        try await expectAuthenticated(h, as: "kubernetes-admin")
    }

    @Test func clientCertificateFilesRelativeToKubeconfig() async throws {
        let h = try await Harness(user: .clientCertificateFiles(certPath: "pki/client.crt", keyPath: "pki/client.key")) { server, dir in
            let (certificate, key) = try server.issueClientCertificate(user: "file-user")
            try FileManager.default.createDirectory(atPath: dir + "/pki", withIntermediateDirectories: true)
            try certificate.write(toFile: dir + "/pki/client.crt", atomically: true, encoding: .utf8)
            try key.write(toFile: dir + "/pki/client.key", atomically: true, encoding: .utf8)
        }
        defer { Task { await h.tearDown() } }
        try await expectAuthenticated(h, as: "file-user")
    }

    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func execPluginToken(apiVersion: String) async throws {
        let h = try await Harness(user: .exec(command: "./plugin.sh", args: ["--cluster", "test"], apiVersion: apiVersion)) { _, dir in
            let script = """
            #!/bin/sh
            [ "$1" = "--cluster" ] || exit 9
            echo run >> "\(dir)/runs"
            echo '{"apiVersion":"\(apiVersion)","kind":"ExecCredential","status":{"token":"test-token","expirationTimestamp":"2099-01-01T00:00:00Z"}}'
            """
            try script.write(toFile: dir + "/plugin.sh", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/plugin.sh")
        }
        defer { Task { await h.tearDown() } }
        try await expectAuthenticated(h, as: "admin")
        let runs = try String(contentsOfFile: h.file("runs"), encoding: .utf8).split(separator: "\n").count
        #expect(runs == 1, "cached until expiry")
    }

    @Test func execPluginReRunsOnceAfter401() async throws {
        let h = try await Harness(user: .exec(command: "./plugin.sh", args: [], apiVersion: "client.authentication.k8s.io/v1")) { _, dir in
            // First run hands out a token the server does not know; later runs a good one.
            let script = """
            #!/bin/sh
            if [ -f "\(dir)/ran" ]; then token=test-token; else token=stale; touch "\(dir)/ran"; fi
            echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"$token\\"}}"
            """
            try script.write(toFile: dir + "/plugin.sh", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/plugin.sh")
        }
        defer { Task { await h.tearDown() } }
        // The harness's namespace apply already went through the 401 and the re-run.
        let statuses = h.server?.requests.map(\.status) ?? []
        #expect(statuses.first == 401)
        #expect(statuses.dropFirst().allSatisfy { $0 < 400 })
        #expect(await h.client.execProvider?.runs == 2)
    }
}
